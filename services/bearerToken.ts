// The API token check, one for the gRPC API and the console: an `Authorization: Bearer <token>`
// value against the configured token, compared in constant time. Null when it passes, else why,
// with a stable reason (gRPC's ErrorInfo and the console's JSON carry the same one).
import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenReason = 'TOKEN_MISSING' | 'TOKEN_MALFORMED' | 'TOKEN_INVALID';

export interface TokenProblem {
  reason: TokenReason;
  message: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export const createTokenCheck = (
  token: string,
  where: 'metadata' | 'header',
): ((authorization: string | undefined) => TokenProblem | null) => {
  const expected = digest(token);
  return (authorization) => {
    if (authorization === undefined) {
      return {
        reason: 'TOKEN_MISSING',
        message:
          where === 'metadata'
            ? 'missing authorization metadata: send "authorization: Bearer <token>"'
            : 'missing Authorization header: send "Authorization: Bearer <token>"',
      };
    }
    const match = /^Bearer (.+)$/i.exec(authorization);
    if (!match?.[1]) {
      return {
        reason: 'TOKEN_MALFORMED',
        message: `malformed authorization ${where}: expected "Bearer <token>"`,
      };
    }
    return timingSafeEqual(digest(match[1]), expected)
      ? null
      : { reason: 'TOKEN_INVALID', message: 'invalid API token' };
  };
};
