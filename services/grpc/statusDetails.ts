// google.rpc.Status beside a gRPC error's message, in the grpc-status-details-bin trailer, so
// generic clients (grpcurl, Go/Python richer-error helpers) act on a stable reason and on the
// request's field at fault instead of parsing the text.
import type { Metadata, status } from '@grpc/grpc-js';
import type { Any } from '../../gen/google/protobuf/any.js';
import { BadRequest, ErrorInfo } from '../../gen/google/rpc/error_details.js';
import { Status } from '../../gen/google/rpc/status.js';

export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';
/** ErrorInfo's domain: who defines the reasons. */
export const ERROR_DOMAIN = 'hindsight.dev';

export interface ErrorDetails {
  /** Stable and UPPER_SNAKE_CASE, e.g. MODEL_NOT_FOUND; clients switch on it. */
  reason: string;
  /** What the reason is about, e.g. `{ model: 'x' }`. */
  metadata?: Record<string, string>;
  /** The request's field at fault and why: sent as a BadRequest field violation. */
  violation?: { field: string; description: string };
}

const typeUrlOf = (typeName: string): string => `type.googleapis.com/${typeName}`;

const packed = (typeName: string, value: Uint8Array): Any => ({
  typeUrl: typeUrlOf(typeName),
  value: Buffer.from(value),
});

/** The serialized google.rpc.Status: ErrorInfo always, BadRequest when a field is at fault. */
export const encodeStatusDetails = (
  code: status,
  message: string,
  { reason, metadata = {}, violation }: ErrorDetails,
): Buffer => {
  const details = [
    packed(
      'google.rpc.ErrorInfo',
      ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata }).finish(),
    ),
  ];
  if (violation) {
    details.push(
      packed('google.rpc.BadRequest', BadRequest.encode({ fieldViolations: [violation] }).finish()),
    );
  }
  return Buffer.from(Status.encode({ code, message, details }).finish());
};

/** A field path as the proto names it: `streamId` → `stream_id`; indices and dots stay. */
export const protoFieldPath = (field: string): string =>
  field.replace(
    /([a-z0-9])([A-Z]+)/g,
    (_, before: string, upper: string) => `${before}_${upper.toLowerCase()}`,
  );

/** What a client reads back from an error's details. */
export interface DecodedDetails {
  /** ErrorInfo's reason; undefined when the error carries no ErrorInfo. */
  reason?: string;
  metadata: Record<string, string>;
  violations: { field: string; description: string }[];
}

/** The details of an error's trailers; undefined when it has none or they do not decode. */
export const decodeStatusDetails = (trailers: Metadata | undefined): DecodedDetails | undefined => {
  const [bytes] = trailers?.get(STATUS_DETAILS_TRAILER) ?? [];
  if (!(bytes instanceof Buffer)) return undefined;
  try {
    const { details } = Status.decode(bytes);
    const info = details.find((any) => any.typeUrl === typeUrlOf('google.rpc.ErrorInfo'));
    const errorInfo = info ? ErrorInfo.decode(info.value) : undefined;
    const violations = details
      .filter((any) => any.typeUrl === typeUrlOf('google.rpc.BadRequest'))
      .flatMap((any) => BadRequest.decode(any.value).fieldViolations)
      .map(({ field, description }) => ({ field, description }));
    return {
      ...(errorInfo?.reason ? { reason: errorInfo.reason } : {}),
      metadata: errorInfo?.metadata ?? {},
      violations,
    };
  } catch {
    // Another server's malformed details are no reason to lose its message.
    return undefined;
  }
};
