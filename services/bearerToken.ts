// The API token check, one for the gRPC API and the console: an `Authorization: Bearer <token>`
// value against the configured token, compared in constant time. Null when it passes, else why.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export const createTokenCheck = (
  token: string,
  where: 'metadata' | 'header',
): ((authorization: string | undefined) => string | null) => {
  const expected = digest(token);
  return (authorization) => {
    if (authorization === undefined) {
      return where === 'metadata'
        ? 'missing authorization metadata: send "authorization: Bearer <token>"'
        : 'missing Authorization header: send "Authorization: Bearer <token>"';
    }
    const match = /^Bearer (.+)$/i.exec(authorization);
    if (!match?.[1]) return `malformed authorization ${where}: expected "Bearer <token>"`;
    return timingSafeEqual(digest(match[1]), expected) ? null : 'invalid API token';
  };
};
