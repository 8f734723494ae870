// grpc-js answers a request that fails to decode with INTERNAL. A request the client got
// wrong (e.g. a 64-bit number above 2^53) is INVALID_ARGUMENT: this wraps a service so the
// decoding error reaches the handler, which refuses the call with that code.
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { statusError } from './status.js';

const FAILED = Symbol('request decoding failed');

interface DecodeFailure {
  [FAILED]: string;
}

const isFailure = (request: unknown): request is DecodeFailure =>
  typeof request === 'object' && request !== null && FAILED in request;

const refusal = (failure: DecodeFailure) =>
  statusError(status.INVALID_ARGUMENT, `the request could not be decoded: ${failure[FAILED]}`);

export const guardDecoding = <
  Definition extends ServiceDefinition,
  Implementation extends UntypedServiceImplementation,
>(
  definition: Definition,
  implementation: Implementation,
): [Definition, Implementation] => {
  const guardedDefinition: Record<string, unknown> = {};
  const guardedImplementation: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    guardedDefinition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return { [FAILED]: error instanceof Error ? error.message : String(error) };
        }
      },
    };
    const handler = implementation[name] as (...args: unknown[]) => void;
    if (method.requestStream) throw new Error(`${name}: client streaming is not guarded`);
    guardedImplementation[name] = method.responseStream
      ? (call: ServerWritableStream<unknown, unknown>) =>
          isFailure(call.request) ? call.emit('error', refusal(call.request)) : handler(call)
      : (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          isFailure(call.request) ? callback(refusal(call.request)) : handler(call, callback);
  }
  return [guardedDefinition as Definition, guardedImplementation as Implementation];
};
