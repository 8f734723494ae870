// Drift, end to end: a champion learnt before the demo world changes; then the log moves on
// through the drift, two simulated days at a time, with predictions (over gRPC, as of the log's
// clock) for every open order before the events that settle them. The live log loss worsens,
// LiveEvaluationWorkflow starts one retraining (the cooldown holds while the champion keeps
// failing), and the new champion, on the same post-drift rows, beats the old one.
// The label horizon is recording time, so the world moves in bursts of a fixed number of steps
// that take seconds, each followed by the days that settle them, and then waits for the
// workflow (its windows, its retraining) instead of racing a clock: how many simulated days
// pass per second under load decides nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluationStreamOf,
  MODEL_EVALUATED,
  modelEvaluatedData,
  RETRAINING_TRIGGERED,
} from '../../platform/evaluationEvents.js';
import { readModelArtifact } from '../../platform/modelRegistry.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import type { PredictRequest, PredictResponse } from '../../gen/hindsight/v1/models.js';
import type { Label } from '../../ml/featureView.js';
import { logLoss } from '../../ml/metrics/logLoss.js';
import { loadModel } from '../../ml/trainers/registry.js';
import type { ModelArtifact } from '../../ml/trainers/types.js';
import type { LiveEvaluationInput } from '../../workflows/liveEvaluationInput.js';
import type { LiveEvaluationWorkflow } from '../../workflows/liveEvaluationWorkflow.js';
import { liveEvaluationStatusQuery, stopLiveEvaluationSignal } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import type { TestDatabase } from '../support/database.js';
import { uniqueId, type TestTemporal } from '../support/temporal.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { sleep, waitFor } from '../support/wait.js';

const view = workOrderOverrunView;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 8);
const DRIFT_AT = START + 75 * DAY;
const STEP = 2 * DAY;
/** Steps predicted through the drift, then the days that settle most of their orders. */
const DRIFT_STEPS = 15;
const SETTLE = 30 * DAY;
// A burst of steps and the days after it take a few seconds when quiet: the horizon is a
// margin many times that, so outcomes are not lost to a busy machine.
const HORIZON_MS = 60_000;
/** An upper bound for what only a broken evaluation or pipeline would not reach. */
const PATIENCE_MS = 600_000;
let stack: ServingStack;
let db: TestDatabase;
let temporal: TestTemporal;
let modelName: string;
let first = '';

const predict = (request: Partial<PredictRequest>): Promise<PredictResponse> =>
  stack.predict(request);

/** One step of the world: predict every open order as of `at`, then let the log move on. */
const step = async (at: number): Promise<PredictResponse[]> => {
  const made = await Promise.all(
    [...stack.open].map((entityId) => predict({ entityId, asOfMs: at })),
  );
  await stack.appendUntil(at + STEP);
  return made;
};

const artifactOf = async (version: string): Promise<ModelArtifact> => {
  const registered = await temporal.mlflow.getModelVersion({ name: modelName, version });
  return readModelArtifact(temporal.mlflow, registered.runId ?? '');
};

beforeAll(async () => {
  stack = await startServingStack({
    prefix: 'drift',
    demo: { seed: 47, workOrders: 1200, start: START, drift: { at: DRIFT_AT } },
    until: DRIFT_AT,
  });
  ({ db, temporal, modelName } = stack);
  first = stack.champion;
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('drift', () => {
  it('degrades the champion, retrains exactly once, and the new champion recovers', async () => {
    const workflowId = uniqueId('live-drift');
    const input: LiveEvaluationInput = {
      modelName,
      view: view.name,
      name: workflowId,
      windowMs: 1_500,
      labelHorizonMs: HORIZON_MS,
      graceMs: 300,
      pollMs: 200,
      policy: {
        metric: 'logLoss',
        maxDropFromValidation: 0.05,
        windowsInARow: 2,
        minLabelled: 15,
        cooldownMs: 3_600_000,
      },
      // Drift moved the base rate: judge the challenger by the probabilities, as the policy does.
      retraining: { rules: { primaryMetric: 'logLoss', minAbsoluteGain: 0.01, guards: [] } },
    };
    const handle = await temporal.client.workflow.start<typeof LiveEvaluationWorkflow>(
      WORKFLOW_TYPES.LiveEvaluationWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [input],
      },
    );
    const status = () => handle.query(liveEvaluationStatusQuery);
    /** Waits until every window up to now has been evaluated (a window closes a horizon late). */
    const evaluatedUntilNow = async (): Promise<void> => {
      const lastWindow = Math.floor(Date.now() / input.windowMs!);
      await waitFor(
        async () => ((await status()).nextWindow ?? 0) > lastWindow,
        PATIENCE_MS,
        'the windows to be evaluated',
      );
    };

    // The world drifts and the champion predicts through it; then the days that settle those
    // predictions. Its windows degrade, and one retraining starts and ends.
    let at = DRIFT_AT;
    for (let i = 0; i < DRIFT_STEPS; i += 1) {
      await step(at);
      at += STEP;
    }
    const driftWindow = Math.floor(Date.now() / input.windowMs!);
    await stack.appendUntil(at + SETTLE);
    at += SETTLE;
    await waitFor(
      async () => {
        const { retrainings, nextWindow } = await status();
        if (retrainings.length > 0) return retrainings.every((r) => r.status !== 'running');
        // Every window of the drift evaluated, and none started a retraining.
        if ((nextWindow ?? 0) > driftWindow) {
          throw new Error(`no retraining: ${JSON.stringify(await status())}`);
        }
        return false;
      },
      PATIENCE_MS,
      'the retraining',
    );
    // The world moves on; serving turns to the new champion.
    let newChampion: string | null = null;
    const deadline = Date.now() + PATIENCE_MS;
    while (newChampion === null) {
      if (Date.now() > deadline)
        throw new Error(`no new champion: ${JSON.stringify(await status())}`);
      const made = await step(at);
      at += STEP;
      newChampion = made.find((p) => p.modelVersion !== first)?.modelVersion ?? null;
      await sleep(500);
    }
    // A while longer with the new champion: the cooldown must hold whatever its windows show.
    const after: PredictResponse[] = [];
    for (let i = 0; i < 15; i += 1) {
      after.push(...(await step(at)));
      at += STEP;
    }
    await stack.appendUntil(at + SETTLE);
    // Every window of those predictions closes and is evaluated.
    await evaluatedUntilNow();
    const final = await status();
    await handle.signal(stopLiveEvaluationSignal);
    await handle.result();

    // The metric dropped: the old champion's windows after the drift, worse than its validation.
    // Read from its ModelEvaluated events: the status keeps only the latest windows.
    const { events } = await db.store.readStream(evaluationStreamOf(workflowId));
    const degraded = events
      .filter((e) => e.type === MODEL_EVALUATED)
      .map((e) => modelEvaluatedData.parse(JSON.parse(e.data)))
      .filter((v) => v.modelVersion === first && v.labelled >= 15);
    expect(degraded.length).toBeGreaterThanOrEqual(2);
    const registered = await temporal.mlflow.getModelVersion({ name: modelName, version: first });
    const validation = (await temporal.mlflow.getRun(registered.runId ?? '')).metrics.find(
      (m) => m.key === 'val_log_loss',
    )?.value;
    expect(validation).toBeDefined();
    const worse = degraded.filter((v) => (v.logLoss ?? 0) > (validation ?? 0) + 0.05);
    expect(worse.length).toBeGreaterThanOrEqual(2);
    // Exactly one retraining, with its reason.
    const triggered = events.filter((e) => e.type === RETRAINING_TRIGGERED);
    expect(triggered).toHaveLength(1);
    expect(JSON.parse(triggered[0]?.data ?? '{}')).toMatchObject({
      modelName,
      championVersion: first,
      metric: 'logLoss',
    });
    expect(final.retrainings).toHaveLength(1);
    expect(final.retrainings[0]).toMatchObject({ status: 'completed', outcome: 'promoted' });

    // Recovery, on the same post-drift rows: the new champion's log loss against the old one's.
    const byNew = after.filter((p) => p.modelVersion === newChampion);
    const { rows } = await db.pool.query<{ id: string; label: number }>(
      `select prediction_id::text as id, label from hindsight.live_predictions
        where evaluation = $1 and label is not null and prediction_id = any($2::uuid[])`,
      [workflowId, byNew.map((p) => p.predictionId)],
    );
    expect(rows.length).toBeGreaterThan(30);
    const labels = new Map(rows.map((r) => [r.id, r.label as Label]));
    const scored = byNew.filter((p) => labels.has(p.predictionId));
    const oldModel = loadModel(await artifactOf(first));
    const oldScores = oldModel.predict(
      scored.map((p) => {
        const features = JSON.parse(p.featuresJson.toString()) as Record<string, never>;
        return oldModel.artifact.featureNames.map((n) => features[n] ?? null);
      }),
    );
    const truth = scored.map((p) => labels.get(p.predictionId) as Label);
    const newLoss = logLoss(
      truth,
      scored.map((p) => p.score),
    );
    const oldLoss = logLoss(truth, oldScores);
    expect(newLoss).toBeLessThan(oldLoss);
  }, 1_800_000);
});
