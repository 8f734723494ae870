// The platform's streams and event types are its own: a client's Append of one is refused with
// PERMISSION_DENIED naming what is reserved, and writes nothing; the platform itself (through
// the store, as workflows and Predict do) still writes them.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendRequest, NewEvent } from '../../gen/hindsight/v1/eventstore.js';
import { MODEL_PROMOTED, PROMOTION_REJECTED, modelStreamOf } from '../../platform/modelEvents.js';
import { DATASET_GENERATED, datasetStreamOf } from '../../platform/datasetEvents.js';
import { MODEL_EVALUATED, evaluationStreamOf } from '../../platform/evaluationEvents.js';
import { RETRAINING_TRIGGERED } from '../../platform/evaluationEvents.js';
import type { MigrationEventType } from '../../activities/operations/migrations.js';
import { SNAPSHOTS_TAKEN } from '../../platform/snapshotEvents.js';
import { PREDICTION_MADE, predictionStreamOf } from '../../platform/predictionEvents.js';
import { PLATFORM_EVENT_TYPES } from '../../platform/reserved.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { rejectionOf } from '../support/wait.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.store);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const append = (streamId: string, type: string) =>
  server.calls.append(
    AppendRequest.fromPartial({
      streamId,
      events: [
        NewEvent.fromPartial({
          type,
          data: Buffer.from(JSON.stringify({ modelName: 'm', workflowId: 42 })),
        }),
      ],
    }),
  );

describe('reserved names', () => {
  it.each([
    [modelStreamOf('churn'), 'OrderPlaced', "stream 'hindsight.models-churn' is reserved"],
    [datasetStreamOf('churn'), 'OrderPlaced', "streams named 'hindsight.…'"],
    ['hindsight.anything-1', 'OrderPlaced', 'reserved for the platform'],
    [predictionStreamOf('0190-abc'), 'OrderPlaced', "category 'prediction'"],
    [evaluationStreamOf('churn'), 'OrderPlaced', "category 'evaluation'"],
  ])('refuses an append to the platform stream %s', async (streamId, type, message) => {
    const before = await db.snapshot();
    const error = await rejectionOf(append(streamId, type));
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain('stream_id');
    expect(error.details).toContain(message);
    expect(await db.snapshot()).toBe(before);
  });

  it.each(PLATFORM_EVENT_TYPES.map((type) => [type]))(
    'refuses a client event of the platform type %s on any stream',
    async (type) => {
      const before = await db.snapshot();
      const error = await rejectionOf(append('orders-1', type));
      expect(error.code).toBe(status.PERMISSION_DENIED);
      expect(error.details).toBe(
        `events[0].type: event type '${type}' is reserved for the platform: only Hindsight appends it`,
      );
      expect(await db.snapshot()).toBe(before);
    },
  );

  it('refuses the whole batch when one of its events is reserved', async () => {
    const before = await db.snapshot();
    const error = await rejectionOf(
      server.calls.append(
        AppendRequest.fromPartial({
          streamId: 'orders-2',
          events: [
            NewEvent.fromPartial({ type: 'OrderPlaced', data: Buffer.from('{}') }),
            NewEvent.fromPartial({ type: 'ModelPromoted', data: Buffer.from('{}') }),
          ],
        }),
      ),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain('events[1].type');
    expect(await db.snapshot()).toBe(before);
  });

  it('lets clients use names that only look alike, and the platform write its own', async () => {
    await append('predictions-1', 'OrderPlaced');
    await append('orders-3', 'ModelPromotedByHand');
    await append('hindsight-1', 'OrderPlaced');
    const written = await db.store.append(modelStreamOf('churn'), [
      { type: 'ModelPromoted', data: { modelName: 'churn' } },
    ]);
    expect(written.streamVersion).toBe(1);
  });
});

describe('the reserved list', () => {
  it('holds every event type the platform appends', () => {
    const appended = [
      MODEL_PROMOTED,
      PROMOTION_REJECTED,
      DATASET_GENERATED,
      PREDICTION_MADE,
      MODEL_EVALUATED,
      RETRAINING_TRIGGERED,
      SNAPSHOTS_TAKEN,
      ...([
        'MigrationCompleted',
        'MigrationFailed',
        'MigrationUndone',
      ] satisfies MigrationEventType[]),
    ];
    expect([...PLATFORM_EVENT_TYPES].sort()).toEqual([...appended].sort());
  });
});
