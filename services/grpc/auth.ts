// Bearer-token authentication for every call but the health check, as a server interceptor.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';

const OPEN_METHODS = new Set(['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch']);

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export const tokenAuthInterceptor = (token: string): ServerInterceptor => {
  const expected = digest(token);
  const check = (metadata: Metadata): string | null => {
    const header = metadata.get('authorization')[0];
    if (header === undefined)
      return 'missing authorization metadata: send "authorization: Bearer <token>"';
    const match = /^Bearer (.+)$/.exec(String(header));
    if (!match?.[1]) return 'malformed authorization metadata: expected "Bearer <token>"';
    return timingSafeEqual(digest(match[1]), expected) ? null : 'invalid API token';
  };
  return (descriptor, call) => {
    if (OPEN_METHODS.has(descriptor.path)) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const problem = check(metadata);
        if (problem === null) next(metadata);
        else call.sendStatus({ code: status.UNAUTHENTICATED, details: problem });
      })
      .build();
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
};
