import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { toStatusError } from './status.js';

/** A unary handler from an async function; every failure becomes a status in one place. */
export const unary =
  <Req, Res>(onInternalError: (error: unknown) => void, handler: (request: Req) => Promise<Res>) =>
  (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatusError(error, onInternalError)),
    );
  };
