// Hindsight's gRPC API as one typed, promise-based client (`hindsight/client`): every unary
// method is an async function of its request, every server-streaming one an async iterable of
// its responses, with the request and response types generated from proto/. A refusal is a
// HindsightError: the status's code, the ErrorInfo reason and metadata, the BadRequest field.
import { readFileSync } from 'node:fs';
import {
  Client,
  InterceptingCall,
  Metadata,
  credentials,
  status,
  type CallOptions,
  type ChannelOptions,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { isDeepStrictEqual } from 'node:util';
import * as health from '../gen/grpc/health/v1/health.js';
import * as eventstore from '../gen/hindsight/v1/eventstore.js';
import * as models from '../gen/hindsight/v1/models.js';
import * as operations from '../gen/hindsight/v1/operations.js';
import * as pipelines from '../gen/hindsight/v1/pipelines.js';
import { HindsightError, HTTP_STATUS, type ErrorCode } from '../platform/errors.js';
import { decodeStatusDetails } from '../services/grpc/statusDetails.js';

export interface ClientOptions {
  /** host:port of a Hindsight server. */
  address: string;
  /** Sent as `authorization: Bearer <token>` on every call. */
  apiToken?: string;
  /** Use TLS, verifying the server against this CA (a PEM file). */
  caFile?: string;
  /** Largest message received (default 64 MiB); also the largest sent, when given. */
  maxMessageBytes?: number;
  /** Further grpc-js channel options. */
  channelOptions?: ChannelOptions;
}

/** Per call: a deadline (ms from now, or a Date) and an AbortSignal that cancels it. */
export interface CallSettings {
  deadlineMs?: number;
  signal?: AbortSignal;
}

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseDeserialize: (bytes: Buffer) => unknown;
}

type Builtin =
  Date | ((...args: never[]) => unknown) | Uint8Array | string | number | boolean | undefined;

/** A request with any field left out at its default, as the generated messages' fromPartial. */
export type DeepPartial<T> = T extends Builtin
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends { $case: string }
      ? { [K in keyof Omit<T, '$case'>]?: DeepPartial<T[K]> } & { $case: T['$case'] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : Partial<T>;

type RequestOf<M> = DeepPartial<
  M extends { requestSerialize: (value: infer R) => Buffer } ? R : never
>;
type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer R } ? R : never;

/** A service's methods: unary ones return promises, server-streaming ones async iterables. */
export type ServiceClient<S> = {
  [K in keyof S]: S[K] extends { requestStream: false; responseStream: false }
    ? (request: RequestOf<S[K]>, settings?: CallSettings) => Promise<ResponseOf<S[K]>>
    : S[K] extends { requestStream: false; responseStream: true }
      ? (request: RequestOf<S[K]>, settings?: CallSettings) => AsyncIterable<ResponseOf<S[K]>>
      : never;
};

export interface HindsightClient {
  eventStore: ServiceClient<typeof eventstore.EventStoreService>;
  pipelines: ServiceClient<typeof pipelines.PipelinesService>;
  models: ServiceClient<typeof models.ModelsService>;
  operations: ServiceClient<typeof operations.OperationsService>;
  health: ServiceClient<typeof health.HealthService>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

const withToken =
  (token: string): Interceptor =>
  (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });

/** The credentials and channel options of a client made with these options. */
export const channelOf = ({ apiToken, caFile, maxMessageBytes, channelOptions }: ClientOptions) =>
  [
    caFile ? credentials.createSsl(readFileSync(caFile)) : credentials.createInsecure(),
    {
      interceptors: apiToken ? [withToken(apiToken)] : [],
      'grpc.max_receive_message_length': maxMessageBytes ?? 64 * 1024 * 1024,
      'grpc.max_send_message_length': maxMessageBytes ?? -1,
      // Channelz bookkeeping costs CPU on every call; nothing here reads it.
      'grpc.enable_channelz': 0,
      ...channelOptions,
    },
  ] as const;

const isServiceError = (error: unknown): error is ServiceError =>
  error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';

/**
 * A gRPC error as the platform's error: its status as the code, ErrorInfo's reason and metadata,
 * the first BadRequest violation's field; the gRPC error itself as the cause.
 */
export const fromGrpcError = (error: ServiceError): HindsightError => {
  const name = status[error.code] as string | undefined;
  const code: ErrorCode =
    name !== undefined && name in HTTP_STATUS ? (name as ErrorCode) : 'INTERNAL';
  const details = decodeStatusDetails(error.metadata);
  const field = details?.violations[0]?.field;
  return new HindsightError(code, error.details || error.message, {
    ...(details?.reason ? { reason: details.reason } : {}),
    metadata: details?.metadata ?? {},
    ...(field === undefined ? {} : { field }),
    cause: error,
  });
};

const optionsOf = ({ deadlineMs }: CallSettings = {}): CallOptions =>
  deadlineMs === undefined ? {} : { deadline: new Date(Date.now() + deadlineMs) };

const unaryCall = (
  client: Client,
  method: MethodDefinition,
  request: unknown,
  settings: CallSettings = {},
): Promise<unknown> => {
  settings.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const call = client.makeUnaryRequest(
      method.path,
      method.requestSerialize as (value: unknown) => Buffer,
      method.responseDeserialize,
      request,
      new Metadata(),
      optionsOf(settings),
      (error, response) => {
        settings.signal?.removeEventListener('abort', cancel);
        if (error) reject(fromGrpcError(error));
        else resolve(response);
      },
    );
    const cancel = (): void => call.cancel();
    settings.signal?.addEventListener('abort', cancel, { once: true });
  });
};

async function* streamingCall(
  client: Client,
  method: MethodDefinition,
  request: unknown,
  settings: CallSettings = {},
): AsyncGenerator<unknown> {
  settings.signal?.throwIfAborted();
  const call = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize as (value: unknown) => Buffer,
    method.responseDeserialize,
    request,
    new Metadata(),
    optionsOf(settings),
  );
  const cancel = (): void => call.cancel();
  settings.signal?.addEventListener('abort', cancel, { once: true });
  try {
    for await (const response of call) yield response;
  } catch (error) {
    // Cancelled by the caller's signal, or by leaving the loop: the caller knows why.
    if (isServiceError(error) && error.code === status.CANCELLED && settings.signal?.aborted) {
      return;
    }
    throw isServiceError(error) ? fromGrpcError(error) : error;
  } finally {
    settings.signal?.removeEventListener('abort', cancel);
    // Leaving the loop early ends the call on the server too.
    call.cancel();
  }
}

interface MessageCodec {
  fromPartial(object: unknown): unknown;
  decode(bytes: Uint8Array): unknown;
}

const isCodec = (value: unknown): value is MessageCodec =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<MessageCodec>).fromPartial === 'function' &&
  typeof (value as Partial<MessageCodec>).decode === 'function';

const EMPTY = Buffer.alloc(0);

/**
 * The request message of a method, to fill what a caller left out: `<Method>Request` or
 * `<Service><Method>Request` of the service's module (Health's Watch takes Check's), checked
 * against the method's own decoder so that a wrong guess fails at once, not on the wire.
 */
const requestCodecOf = (module: Record<string, unknown>, method: MethodDefinition) => {
  const [, service = '', name = ''] = /\.(\w+)\/(\w+)$/.exec(method.path) ?? [];
  const candidates = [`${name}Request`, `${service}${name}Request`, `${service}CheckRequest`];
  const codec = candidates
    .map((candidate) => module[candidate])
    .find(
      (value): value is MessageCodec =>
        isCodec(value) && isDeepStrictEqual(value.decode(EMPTY), method.requestDeserialize(EMPTY)),
    );
  if (!codec) throw new TypeError(`no request message found for ${method.path}`);
  return codec;
};

const serviceClient = <S extends Record<string, MethodDefinition>>(
  client: Client,
  module: Record<string, unknown>,
  service: S,
): ServiceClient<S> =>
  Object.fromEntries(
    Object.entries(service)
      .filter(([, method]) => !method.requestStream)
      .map(([name, method]) => {
        const codec = requestCodecOf(module, method);
        const call = method.responseStream ? streamingCall : unaryCall;
        return [
          name,
          (request: unknown, settings?: CallSettings) =>
            call(client, method, codec.fromPartial(request ?? {}), settings),
        ];
      }),
  ) as ServiceClient<S>;

/** One channel to a Hindsight server, and each of its services on it. */
export const createHindsightClient = (options: ClientOptions): HindsightClient => {
  const client = new Client(options.address, ...channelOf(options));
  return {
    eventStore: serviceClient(client, eventstore, eventstore.EventStoreService),
    pipelines: serviceClient(client, pipelines, pipelines.PipelinesService),
    models: serviceClient(client, models, models.ModelsService),
    operations: serviceClient(client, operations, operations.OperationsService),
    health: serviceClient(client, health, health.HealthService),
    close: () => client.close(),
  };
};

export { HindsightError, type ErrorCode } from '../platform/errors.js';
