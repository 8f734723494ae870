// Errors name what the caller asked for and carry google.rpc.Status details: a real gRPC server
// and console over a real PostgreSQL and the run's MLflow. GetModel of an unknown model used to
// answer with MLflow's URL and error code; every error now has, in grpc-status-details-bin,
// an ErrorInfo with a stable reason and, when a field is at fault, a BadRequest naming it.
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest, ErrorInfo } from '../../gen/google/rpc/error_details.js';
import { Status } from '../../gen/google/rpc/status.js';
import { ModelsClient, type GetModelResponse } from '../../gen/hindsight/v1/models.js';
import { AppendRequest, NewEvent, ReadAllRequest } from '../../gen/hindsight/v1/eventstore.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';
import { rejectionOf } from '../support/wait.js';

const UNKNOWN_MODEL = `no-such-model-${Date.now().toString(36)}`;
const INTERNAL_TEXT = ['/api/2.0', 'RESOURCE_DOES_NOT_EXIST', 'mlflow/'];

interface Details {
  status: Status;
  errorInfo: ErrorInfo | undefined;
  badRequest: BadRequest | undefined;
}

/** The google.rpc.Status of the trailer, with its details unpacked by type URL. */
const detailsOf = (error: ServiceError): Details => {
  const [bytes] = error.metadata.get('grpc-status-details-bin');
  expect(bytes, `grpc-status-details-bin of "${error.details}"`).toBeInstanceOf(Buffer);
  const decoded = Status.decode(bytes as Buffer);
  const unpack = <T>(typeName: string, decode: (bytes: Uint8Array) => T): T | undefined => {
    const any = decoded.details.find((d) => d.typeUrl === `type.googleapis.com/${typeName}`);
    return any ? decode(any.value) : undefined;
  };
  return {
    status: decoded,
    errorInfo: unpack('google.rpc.ErrorInfo', (b) => ErrorInfo.decode(b)),
    badRequest: unpack('google.rpc.BadRequest', (b) => BadRequest.decode(b)),
  };
};

/** Status and ErrorInfo agree with the call's own code and message. */
const expectDetails = (error: ServiceError, code: status, reason: string): Details => {
  expect(status[error.code], error.details).toBe(status[code]);
  const details = detailsOf(error);
  expect(details.status.code).toBe(code);
  expect(details.status.message).toBe(error.details);
  expect(details.errorInfo).toMatchObject({ reason, domain: 'hindsight.dev' });
  return details;
};

const event = (type = 'OrderPlaced'): NewEvent =>
  NewEvent.fromPartial({ type, data: Buffer.from('{"amount":1}') });

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let models: ModelsClient;
let consoleApp: TestConsole;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  server = await startTestServer(db.store, { platform: platformServices(db, temporal) });
  models = new ModelsClient(server.address, credentials.createInsecure());
  consoleApp = await startTestConsole(db, temporal);
  await server.calls.append(AppendRequest.fromPartial({ streamId: 'order-1', events: [event()] }));
});

afterAll(async () => {
  models?.close();
  await consoleApp?.close();
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

const getModel = (name: string) =>
  new Promise<GetModelResponse>((resolve, reject) => {
    models.getModel({ name }, (error, response) => (error ? reject(error) : resolve(response)));
  });

describe('errors name what was asked for, not the internals', () => {
  it('GetModel of an unknown model: NOT_FOUND naming the model, MODEL_NOT_FOUND', async () => {
    const error = await rejectionOf(getModel(UNKNOWN_MODEL));
    expect(error.details).toBe(`model '${UNKNOWN_MODEL}' not found`);
    for (const text of INTERNAL_TEXT) expect(error.details).not.toContain(text);
    const { errorInfo } = expectDetails(error, status.NOT_FOUND, 'MODEL_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ model: UNKNOWN_MODEL });
  });

  it("the console's model page: 404 naming the model", async () => {
    const { status: httpStatus, body } = await consoleApp.call(`/api/models/${UNKNOWN_MODEL}`);
    expect(httpStatus).toBe(404);
    expect(body).toEqual({
      error: { code: 'NOT_FOUND', message: `model '${UNKNOWN_MODEL}' not found` },
    });
    for (const text of INTERNAL_TEXT) expect(JSON.stringify(body)).not.toContain(text);
    expect(consoleApp.internalErrors).toEqual([]);
  });
});

describe('google.rpc.Status details on every error', () => {
  it('an unknown stream: STREAM_NOT_FOUND with the stream id', async () => {
    const error = await rejectionOf(server.calls.getStream({ streamId: 'order-missing' }));
    const { errorInfo, badRequest } = expectDetails(error, status.NOT_FOUND, 'STREAM_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ stream_id: 'order-missing' });
    expect(badRequest).toBeUndefined();
  });

  it('a version conflict: STREAM_VERSION_CONFLICT, the trailers kept', async () => {
    const error = await rejectionOf(
      server.calls.append(
        AppendRequest.fromPartial({
          streamId: 'order-1',
          events: [event()],
          expected: { $case: 'expectedVersion', expectedVersion: 5 },
        }),
      ),
    );
    const { errorInfo } = expectDetails(
      error,
      status.FAILED_PRECONDITION,
      'STREAM_VERSION_CONFLICT',
    );
    expect(errorInfo?.metadata).toMatchObject({
      stream_id: 'order-1',
      actual_version: '1',
      stream_exists: 'true',
    });
    expect(error.metadata.get('actual-version')).toEqual(['1']);
  });

  it('a validation error: INVALID_ARGUMENT and a BadRequest naming the snake_case field', async () => {
    const error = await rejectionOf(
      server.calls.append(AppendRequest.fromPartial({ streamId: 'has space', events: [event()] })),
    );
    const { badRequest, errorInfo } = expectDetails(
      error,
      status.INVALID_ARGUMENT,
      'INVALID_ARGUMENT',
    );
    expect(errorInfo?.metadata).toEqual({ field: 'stream_id' });
    expect(badRequest?.fieldViolations).toEqual([
      { field: 'stream_id', description: error.details.slice('stream_id: '.length) },
    ]);
    expect(error.details.startsWith('stream_id: ')).toBe(true);
  });

  it('a validation error of a server stream (ReadAll): the field with its index', async () => {
    const call = server.client.readAll(ReadAllRequest.fromPartial({ categories: ['no space'] }));
    const error = await new Promise<ServiceError>((resolve, reject) => {
      call.on('data', () => reject(new Error('expected no data')));
      call.on('error', resolve);
      call.on('end', () => reject(new Error('expected an error')));
    });
    const { badRequest } = expectDetails(error, status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
    expect(badRequest?.fieldViolations.map((v) => v.field)).toEqual(['categories[0]']);
  });

  it('a refusal built in a service (UNIMPLEMENTED) gets its code as the reason', async () => {
    // This server's Models service runs no workflows (platformServices gives it none).
    const error = await rejectionOf(
      new Promise((resolve, reject) => {
        models.getLiveEvaluation({ modelName: 'm' }, (e, r) => (e ? reject(e) : resolve(r)));
      }),
    );
    expectDetails(error, status.UNIMPLEMENTED, 'UNIMPLEMENTED');
  });
});
