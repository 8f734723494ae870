// Models.Predict on the real stack: the demo log, a pipeline that promotes a champion, then
// predictions over gRPC. Each prediction scores the features the dataset code computes at the
// same log position (training/serving parity), with the champion, as of every event committed
// before the call; it is a PredictionMade event; a retry with its id returns it; bad requests
// get precise statuses and append nothing.
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogUntil } from '../../activities/datasets/readLogUntil.js';
import { readModelArtifact } from '../../platform/modelRegistry.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import type { PredictRequest, PredictResponse } from '../../gen/hindsight/v1/models.js';
import { featuresDigest } from '../../ml/dataset.js';
import { createFeatureRun } from '../../ml/featureRun.js';
import type { Features } from '../../ml/featureView.js';
import { loadModel } from '../../ml/trainers/registry.js';
import {
  PREDICTION_MADE,
  predictionStreamOf,
  type PredictionMadeData,
} from '../../platform/predictionEvents.js';
import type { TestDatabase } from '../support/database.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import type { TestTemporal } from '../support/temporal.js';

const view = workOrderOverrunView;
let stack: ServingStack;
let db: TestDatabase;
let temporal: TestTemporal;
let modelName: string;
let champion: string;
let open: string[];
let completed: string[];

const predict = (request: Partial<PredictRequest>): Promise<PredictResponse> =>
  stack.predict(request);

const statusOf = (promise: Promise<unknown>): Promise<ServiceError> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: ServiceError) => error,
  );

const predictionsRecorded = async (): Promise<number> => {
  const { rows } = await db.pool.query<{ n: string }>(
    'select count(*)::text as n from hindsight.events where event_type = $1',
    [PREDICTION_MADE],
  );
  return Number(rows[0]?.n);
};

/** The features the dataset code computes for the entity at a log position and time. */
const datasetFeatures = async (
  entityId: string,
  transactionId: number,
  at: number,
): Promise<Features | null> => {
  const run = createFeatureRun(view);
  for await (const page of readLogUntil(db.store, {
    cut: { transactionId },
    eventTypes: view.eventTypes,
  })) {
    for (const event of page.events) run.push(event);
    run.drain();
  }
  return view.featuresNow?.(run.state, entityId, at) ?? null;
};

beforeAll(async () => {
  stack = await startServingStack({ prefix: 'predict', demo: { seed: 41, workOrders: 400 } });
  ({ db, temporal, modelName, champion } = stack);
  open = [...stack.open];
  completed = [...stack.completed];
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('Models.Predict', () => {
  it('has a champion and open work orders to score', () => {
    expect(champion).toMatch(/^\d+$/);
    expect(open.length).toBeGreaterThan(5);
  });

  it('scores an open entity with the champion on the features the dataset code computes at that position', async () => {
    expect(open.length).toBeGreaterThan(5);
    for (const [i, entityId] of open.slice(0, 5).entries()) {
      // Now, or a business time the client names (a log whose clock is not the wall clock).
      const asOfMs = i % 2 === 0 ? 0 : 1_767_700_000_000 + i * 3_600_000;
      const response = await predict({ entityId, asOfMs });
      if (asOfMs !== 0) expect(response.predictedAtMs).toBe(asOfMs);
      expect(response.modelVersion).toBe(champion);
      expect(response.entityId).toBe(entityId);
      expect(response.replayed).toBe(false);
      const features = JSON.parse(response.featuresJson.toString()) as Features;
      // Parity: the dataset path, replayed from the start to the prediction's log position.
      const expected = await datasetFeatures(
        entityId,
        response.logTransactionId,
        response.predictedAtMs,
      );
      expect(features).toEqual(expected);
      expect(response.featuresDigest).toBe(featuresDigest(view.featureNames, features));
      // The champion's own artifact gives the same score for those features.
      const registered = await temporal.mlflow.getModelVersion({
        name: modelName,
        version: champion,
      });
      const artifact = await readModelArtifact(temporal.mlflow, registered.runId ?? '');
      const [score] = loadModel(artifact).predict([
        artifact.featureNames.map((name) => features[name] ?? null),
      ]);
      expect(response.score).toBeCloseTo(score ?? NaN, 12);
      expect(response.score).toBeGreaterThanOrEqual(0);
      expect(response.score).toBeLessThanOrEqual(1);
    }
  });

  it('records each prediction as a PredictionMade event before answering', async () => {
    const entityId = open[0] ?? '';
    const response = await predict({ entityId });
    const { events } = await db.store.readStream(predictionStreamOf(response.predictionId));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.type).toBe(PREDICTION_MADE);
    expect(event?.eventId).toBe(response.predictionId);
    expect(event?.globalPosition).toBe(response.eventGlobalPosition);
    const data = JSON.parse(event?.data ?? '{}') as PredictionMadeData;
    expect(data).toMatchObject({
      predictionId: response.predictionId,
      modelName,
      modelVersion: champion,
      entityId,
      score: response.score,
      featuresDigest: response.featuresDigest,
      logPosition: {
        transactionId: response.logTransactionId,
        globalPosition: response.logGlobalPosition,
      },
      predictedAt: response.predictedAtMs,
      view: { name: view.name, version: view.version, codeHash: view.codeHash },
    });
    // The prediction is after the log position its features come from.
    expect(event?.transactionId).toBeGreaterThanOrEqual(response.logTransactionId);
  });

  it('sees every event committed before the call', async () => {
    const entityId = open[1] ?? '';
    const before = JSON.parse((await predict({ entityId })).featuresJson.toString()) as Features;
    await db.store.append(`workorder-${entityId}`, [
      { type: 'WorkLogged', data: { technicianId: 'nobody', hours: 2.5 } },
    ]);
    const after = JSON.parse((await predict({ entityId })).featuresJson.toString()) as Features;
    expect(after.log_entries).toBe((before.log_entries as number) + 1);
    expect(after.hours_logged).toBeCloseTo((before.hours_logged as number) + 2.5, 6);
    // Concurrent calls share their reads of the log's horizon, never one older than the call.
    for (let round = 2; round <= 4; round += 1) {
      await db.store.append(`workorder-${entityId}`, [
        { type: 'WorkLogged', data: { technicianId: 'nobody', hours: 1 } },
      ]);
      const seen = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const response = await predict({ entityId });
          return (JSON.parse(response.featuresJson.toString()) as Features).log_entries;
        }),
      );
      expect(seen).toEqual(
        Array.from({ length: 12 }, () => (before.log_entries as number) + round),
      );
    }
  });

  it('returns the first prediction again for a reused prediction id, and appends nothing', async () => {
    const predictionId = '01936f0e-8c3a-7b2e-9d10-2a4b6c8d0e1f';
    const first = await predict({ entityId: open[2] ?? '', predictionId });
    const count = await predictionsRecorded();
    const again = await predict({ entityId: open[2] ?? '', predictionId });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await predictionsRecorded()).toBe(count);
    // The same id for another entity is a conflict.
    const other = await statusOf(predict({ entityId: open[3] ?? '', predictionId }));
    expect(other.code).toBe(status.ALREADY_EXISTS);
    expect(other.details).toContain(`entity '${open[2]}'`);
  });

  it('refuses bad requests with precise statuses, appending nothing', async () => {
    await mlflowModelWithoutChampion(`${modelName}-empty`);
    const count = await predictionsRecorded();
    const cases: [Partial<PredictRequest>, status, string][] = [
      [{ entityId: 'WO-999999' }, status.NOT_FOUND, "no open entity 'WO-999999'"],
      [{ entityId: completed[0] }, status.NOT_FOUND, `no open entity '${completed[0]}'`],
      [{ entityId: '' }, status.INVALID_ARGUMENT, 'entity_id: is required'],
      [
        { entityId: open[0], asOfMs: -5 },
        status.INVALID_ARGUMENT,
        'as_of_ms: must be a positive whole number of ms since the epoch, got -5',
      ],
      [{ entityId: 'WO 1' }, status.INVALID_ARGUMENT, "entity_id: 'WO 1' is not an entity id"],
      [{ entityId: '-WO' }, status.INVALID_ARGUMENT, "entity_id: '-WO' is not an entity id"],
      [{ modelName: '', entityId: open[0] }, status.INVALID_ARGUMENT, 'model_name: is required'],
      [
        { modelName: 'no such/model', entityId: open[0] },
        status.INVALID_ARGUMENT,
        "model_name: 'no such/model' is not a model name",
      ],
      [
        { entityId: open[0], predictionId: 'not-a-uuid' },
        status.INVALID_ARGUMENT,
        'prediction_id: must be a lower-case UUID',
      ],
      [
        { modelName: `${modelName}-unknown`, entityId: open[0] },
        status.NOT_FOUND,
        `no registered model is named '${modelName}-unknown'`,
      ],
      [
        { modelName: `${modelName}-empty`, entityId: open[0] },
        status.FAILED_PRECONDITION,
        `model '${modelName}-empty' has no champion yet`,
      ],
    ];
    for (const [request, code, message] of cases) {
      const error = await statusOf(predict(request));
      expect({ request, code: error.code }).toEqual({ request, code });
      expect(error.details).toContain(message);
    }
    expect(await predictionsRecorded()).toBe(count);
  });
});

const mlflowModelWithoutChampion = async (name: string): Promise<void> => {
  await temporal.mlflow.getOrCreateRegisteredModel({ name });
};
