// Drift, end to end: a champion learnt before the demo world changes; then the log moves on
// through the drift, two simulated days at a time, with predictions (over gRPC, as of the log's
// clock) for every open order before the events that settle them. The live log loss worsens,
// LiveEvaluationWorkflow starts one retraining (the cooldown holds while the champion keeps
// failing), and the new champion, on the same post-drift rows, beats the old one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationStreamOf } from '../../platform/evaluationEvents.js';
import { RETRAINING_TRIGGERED } from '../../platform/evaluationEvents.js';
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
import { sleep } from '../support/wait.js';

const view = workOrderOverrunView;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 8);
const DRIFT_AT = START + 75 * DAY;
const STEP = 2 * DAY;
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
      labelHorizonMs: 10_000,
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

    // The world drifts; the champion keeps predicting until a retraining replaces it.
    let at = DRIFT_AT;
    const deadline = Date.now() + 240_000;
    let newChampion: string | null = null;
    while (newChampion === null) {
      if (Date.now() > deadline)
        throw new Error(`no new champion: ${JSON.stringify(await status())}`);
      const made = await step(at);
      at += STEP;
      newChampion = made.find((p) => p.modelVersion !== first)?.modelVersion ?? null;
      // Paced, so that the history lasts until the retraining is done.
      await sleep(500);
    }
    // A while longer with the new champion, and with the degraded streak of the old one still
    // closing windows: the cooldown must hold.
    const after: PredictResponse[] = [];
    for (let i = 0; i < 15; i += 1) {
      after.push(...(await step(at)));
      at += STEP;
      await sleep(150);
    }
    await stack.appendUntil(at + 30 * DAY);
    // Every window of those predictions closes and is evaluated.
    const lastWindow = Math.floor(Date.now() / input.windowMs!);
    for (;;) {
      const s = await status();
      if ((s.nextWindow ?? 0) > lastWindow) break;
      if (Date.now() > deadline + 120_000)
        throw new Error(`windows not evaluated: ${JSON.stringify(s)}`);
      await sleep(500);
    }
    const final = await status();
    await handle.signal(stopLiveEvaluationSignal);
    await handle.result();

    // The metric dropped: the old champion's windows after the drift, worse than its validation.
    const degraded = final.recent.filter((w) =>
      w.versions.some((v) => v.modelVersion === first && v.labelled >= 15),
    );
    expect(degraded.length).toBeGreaterThanOrEqual(2);
    const registered = await temporal.mlflow.getModelVersion({ name: modelName, version: first });
    const validation = (await temporal.mlflow.getRun(registered.runId ?? '')).metrics.find(
      (m) => m.key === 'val_log_loss',
    )?.value;
    expect(validation).toBeDefined();
    const worse = degraded.filter((w) =>
      w.versions.some(
        (v) => v.modelVersion === first && (v.logLoss ?? 0) > (validation ?? 0) + 0.05,
      ),
    );
    expect(worse.length).toBeGreaterThanOrEqual(2);
    // Exactly one retraining, with its reason.
    const { events } = await db.store.readStream(evaluationStreamOf(workflowId));
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
  }, 400_000);
});
