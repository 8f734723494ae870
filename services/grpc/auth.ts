// Bearer-token authentication for every call but the health check, as a server interceptor.
// A refusal carries google.rpc.Status details like every other error: ErrorInfo's reason says
// whether the token is missing (TOKEN_MISSING), not "Bearer <token>" (TOKEN_MALFORMED) or wrong
// (TOKEN_INVALID).
import {
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { createTokenCheck, type TokenProblem } from '../bearerToken.js';
import { encodeStatusDetails, STATUS_DETAILS_TRAILER } from './statusDetails.js';

const OPEN_METHODS = new Set(['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch']);

export const tokenAuthInterceptor = (token: string): ServerInterceptor => {
  const checkToken = createTokenCheck(token, 'metadata');
  const check = (metadata: Metadata): TokenProblem | null => {
    const header = metadata.get('authorization')[0];
    return checkToken(header === undefined ? undefined : String(header));
  };
  return (descriptor, call) => {
    if (OPEN_METHODS.has(descriptor.path)) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const problem = check(metadata);
        if (problem === null) {
          next(metadata);
          return;
        }
        const trailers = new Metadata();
        trailers.set(
          STATUS_DETAILS_TRAILER,
          encodeStatusDetails(status.UNAUTHENTICATED, problem.message, { reason: problem.reason }),
        );
        call.sendStatus({
          code: status.UNAUTHENTICATED,
          details: problem.message,
          metadata: trailers,
        });
      })
      .build();
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
};
