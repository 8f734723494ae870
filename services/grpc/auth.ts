// Bearer-token authentication for every call but the health check, as a server interceptor.
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { createTokenCheck } from '../bearerToken.js';

const OPEN_METHODS = new Set(['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch']);

export const tokenAuthInterceptor = (token: string): ServerInterceptor => {
  const checkToken = createTokenCheck(token, 'metadata');
  const check = (metadata: Metadata): string | null => {
    const header = metadata.get('authorization')[0];
    return checkToken(header === undefined ? undefined : String(header));
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
