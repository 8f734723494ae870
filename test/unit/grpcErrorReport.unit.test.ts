// How the CLI words a gRPC failure: the ErrorInfo reason beside the code when it says more, and
// the BadRequest field violations the message does not already give, read from real
// grpc-status-details-bin bytes (ours, and a generic server's with several violations).
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { describeGrpcError } from '../../cli/errors.js';
import { ValidationError } from '../../eventstore/errors.js';
import { BadRequest, ErrorInfo } from '../../gen/google/rpc/error_details.js';
import { Status } from '../../gen/google/rpc/status.js';
import { statusError, toStatusError } from '../../services/grpc/status.js';
import { decodeStatusDetails, STATUS_DETAILS_TRAILER } from '../../services/grpc/statusDetails.js';

/** What a client receives: the code, the message and the trailers (as sent), nothing else. */
const received = (error: { code: status; details: string; metadata?: Metadata }) => {
  const metadata = new Metadata();
  for (const [key, values] of Object.entries(error.metadata?.toJSON() ?? {})) {
    for (const value of values) metadata.add(key, value);
  }
  return { code: error.code, details: error.details, metadata };
};

const unexpected = (error: unknown) => {
  throw new Error(`unexpected internal error: ${String(error)}`);
};

describe('describeGrpcError', () => {
  it('puts the reason beside the code', () => {
    const error = statusError(status.NOT_FOUND, "model 'x' not found", {
      reason: 'MODEL_NOT_FOUND',
      metadata: { model: 'x' },
    });
    expect(describeGrpcError(received(error))).toBe(
      "NOT_FOUND (MODEL_NOT_FOUND): model 'x' not found",
    );
  });

  it('leaves out a reason that is the code itself, and a violation the message already says', () => {
    const error = toStatusError(
      new ValidationError('events[0].data', 'must be a JSON object, got an array'),
      unexpected,
    );
    const decoded = decodeStatusDetails(received(error).metadata);
    expect(decoded).toEqual({
      reason: 'INVALID_ARGUMENT',
      metadata: { field: 'events[0].data' },
      violations: [{ field: 'events[0].data', description: 'must be a JSON object, got an array' }],
    });
    expect(describeGrpcError(received(error))).toBe(
      'INVALID_ARGUMENT: events[0].data: must be a JSON object, got an array',
    );
  });

  it("prints one line per field violation a generic server's message does not give", () => {
    const any = (typeName: string, value: Uint8Array) => ({
      typeUrl: `type.googleapis.com/${typeName}`,
      value: Buffer.from(value),
    });
    const bytes = Status.encode({
      code: status.INVALID_ARGUMENT,
      message: 'the request is invalid',
      details: [
        any(
          'google.rpc.ErrorInfo',
          ErrorInfo.encode({
            reason: 'BAD_PIPELINE',
            domain: 'example.com',
            metadata: {},
          }).finish(),
        ),
        any(
          'google.rpc.BadRequest',
          BadRequest.encode({
            fieldViolations: [
              { field: 'trainers[0].name', description: "unknown trainer 'deep_magic'" },
              { field: 'test_fraction', description: 'must be at least 0 and below 1' },
            ],
          }).finish(),
        ),
      ],
    }).finish();
    const metadata = new Metadata();
    metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(bytes));
    expect(
      describeGrpcError(
        received({ code: status.INVALID_ARGUMENT, details: 'the request is invalid', metadata }),
      ),
    ).toBe(
      [
        'INVALID_ARGUMENT (BAD_PIPELINE): the request is invalid',
        "  trainers[0].name: unknown trainer 'deep_magic'",
        '  test_fraction: must be at least 0 and below 1',
      ].join('\n'),
    );
  });

  it('keeps the hint, and reads an error without details or with bytes that do not decode', () => {
    const token = statusError(status.UNAUTHENTICATED, 'invalid API token', {
      reason: 'TOKEN_INVALID',
    });
    expect(describeGrpcError(received(token))).toBe(
      "UNAUTHENTICATED (TOKEN_INVALID): invalid API token (set HINDSIGHT_API_TOKEN to the server's token)",
    );
    expect(describeGrpcError({ code: status.INTERNAL, details: 'boom' })).toBe('INTERNAL: boom');
    const garbage = new Metadata();
    garbage.set(STATUS_DETAILS_TRAILER, Buffer.from([0xff, 0xff, 0xff]));
    expect(describeGrpcError({ code: status.ABORTED, details: 'moved', metadata: garbage })).toBe(
      'ABORTED: moved',
    );
  });
});
