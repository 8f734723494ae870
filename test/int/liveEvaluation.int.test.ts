// Live evaluation end to end: the demo log, a champion, predictions over gRPC, then the outcomes
// appended later while LiveEvaluationWorkflow follows the log on a worker process that is
// killed midway and replaced, and the rest of the history after the kill. Every prediction is
// counted once, joined to the outcome an oracle finds in the log the slow way, and the figures
// in MLflow and in the ModelEvaluated events equal the oracle's on those rows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationStreamOf, MODEL_EVALUATED } from '../../platform/evaluationEvents.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import type { StoredEvent } from '../../eventstore/types.js';
import { comparePositions } from '../../eventstore/types.js';
import type { Label } from '../../ml/featureView.js';
import { PREDICTION_MADE } from '../../platform/predictionEvents.js';
import type { LiveEvaluationInput } from '../../workflows/liveEvaluationInput.js';
import type {
  LiveEvaluationStatus,
  LiveEvaluationWorkflow,
} from '../../workflows/liveEvaluationWorkflow.js';
import { liveEvaluationStatusQuery, stopLiveEvaluationSignal } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { pairCountingAuc } from '../support/classifier.js';
import type { TestDatabase } from '../support/database.js';
import { uniqueId, type TestTemporal } from '../support/temporal.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { sleep, waitFor } from '../support/wait.js';
import { createWorkerFleet, exited } from '../support/workerProcess.js';

const view = workOrderOverrunView;
const WINDOW_MS = 4_000;
// The label horizon is measured in recording time. The predicted orders' outcomes go in a few
// transactions right after the predictions (a second when quiet): a horizon many times that
// holds on a loaded machine too, so the labels are exercised, not lost to the clock.
const HORIZON_MS = 30_000;
/** An upper bound for what only a broken evaluation would not reach. */
const PATIENCE_MS = 300_000;
let stack: ServingStack;
let db: TestDatabase;
let temporal: TestTemporal;
let modelName: string;
let workDir: string;
const evaluationQueue = uniqueId('live');
const workers = createWorkerFleet(
  () => db.url,
  () => evaluationQueue,
);

const readAllOf = async (types: string[]): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  let after = { transactionId: 0, globalPosition: 0 };
  for (;;) {
    const page = await db.store.readAll({ after, limit: 1000, eventTypes: types });
    events.push(...page.events);
    after = page.checkpoint;
    if (page.reachedEnd) return events;
  }
};

interface OracleRow {
  predictionId: string;
  version: string;
  score: number;
  predictedAt: number;
  label: Label | null;
}

/** Each prediction with the `late` flag of its order's next completion, if within the horizon. */
const oracleRows = async (): Promise<OracleRow[]> => {
  const events = await readAllOf([PREDICTION_MADE, 'WorkOrderCompleted']);
  return events
    .filter((e) => e.type === PREDICTION_MADE)
    .map((prediction) => {
      const data = JSON.parse(prediction.data) as {
        predictionId: string;
        modelVersion: string;
        entityId: string;
        score: number;
      };
      const outcome = events.find(
        (e) =>
          e.type === 'WorkOrderCompleted' &&
          e.streamId === `workorder-${data.entityId}` &&
          comparePositions(e, prediction) > 0,
      );
      const inTime = outcome && outcome.recordedAt < prediction.recordedAt + HORIZON_MS;
      return {
        predictionId: data.predictionId,
        version: data.modelVersion,
        score: data.score,
        predictedAt: prediction.recordedAt,
        label: inTime ? ((JSON.parse(outcome.data) as { late: boolean }).late ? 1 : 0) : null,
      };
    });
};

beforeAll(async () => {
  stack = await startServingStack({ prefix: 'live', demo: { seed: 43, workOrders: 400 } });
  ({ db, temporal, modelName } = stack);
  workDir = await mkdtemp(path.join(tmpdir(), 'hindsight-live-'));
}, 300_000);

afterAll(async () => {
  await workers.killAll();
  await stack?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('LiveEvaluationWorkflow', () => {
  it('counts every prediction once across a killed worker, and its figures equal the oracle', async () => {
    expect(stack.open.size).toBeGreaterThan(10);
    // Predictions over gRPC, some entities twice.
    const entities = [...stack.open];
    // The worker starts first: its start-up must not stand between predictions and outcomes.
    let worker = await workers.start(workDir);
    for (const entityId of [...entities, ...entities.slice(0, 10)]) {
      await stack.predict({ entityId });
    }
    const workflowId = uniqueId('live-evaluation');
    const input: LiveEvaluationInput = {
      modelName,
      view: view.name,
      name: workflowId,
      windowMs: WINDOW_MS,
      labelHorizonMs: HORIZON_MS,
      graceMs: 500,
      pollMs: 200,
      eventsPerAdvance: 25,
      policy: null,
    };
    const handle = await temporal.client.workflow.start<typeof LiveEvaluationWorkflow>(
      WORKFLOW_TYPES.LiveEvaluationWorkflow,
      {
        taskQueue: evaluationQueue,
        workflowId,
        args: [input],
      },
    );
    // The predicted orders' outcomes arrive while it follows the log.
    await stack.appendRestOf(entities.map((id) => `workorder-${id}`));
    const progressed = async (): Promise<number> => {
      const { rows } = await db.pool.query<{ events: string }>(
        'select events::text from hindsight.live_evaluations where name = $1',
        [workflowId],
      );
      return Number(rows[0]?.events ?? 0);
    };
    // Killed midstream: it has read some of the log, not all of it; the rest of the history
    // comes after the kill, so the replacement has more to read whatever the timing.
    await waitFor(async () => (await progressed()) >= 100, PATIENCE_MS, 'the first commit');
    worker.kill('SIGKILL');
    await exited(worker);
    const atKill = await progressed();
    await stack.appendUntil(Infinity);
    worker = await workers.start(workDir);

    // Every prediction's window closes, and the replacement evaluates it.
    const oracle = await oracleRows();
    const lastWindow = Math.max(...oracle.map((r) => Math.floor(r.predictedAt / WINDOW_MS)));
    let status: LiveEvaluationStatus | undefined;
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      status = await handle.query(liveEvaluationStatusQuery);
      if ((status.nextWindow ?? 0) > lastWindow) break;
      if (Date.now() > deadline)
        throw new Error(`windows not evaluated: ${JSON.stringify(status)}`);
      await sleep(500);
    }
    await handle.signal(stopLiveEvaluationSignal);
    await handle.result();
    // The kill came midstream: the replacement read on from where the killed one had committed.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(await progressed());

    // Each prediction once, none lost, each joined as the oracle joins it.
    const { rows } = await db.pool.query<{ id: string; label: number | null }>(
      `select prediction_id::text as id, label from hindsight.live_predictions
        where evaluation = $1 order by prediction_id`,
      [workflowId],
    );
    expect(rows.length).toBe(oracle.length);
    const expectedLabels = new Map(oracle.map((r) => [r.predictionId, r.label]));
    for (const row of rows) {
      // Labels after the horizon are stored too; the oracle counts them as missing.
      const expected = expectedLabels.get(row.id);
      if (expected !== null)
        expect({ id: row.id, label: row.label }).toEqual({ id: row.id, label: expected });
    }
    expect(oracle.filter((r) => r.label !== null).length).toBeGreaterThan(10);

    // The figures: MLflow's history and the ModelEvaluated events, per window.
    const byWindow = new Map<number, OracleRow[]>();
    for (const row of oracle) {
      const index = Math.floor(row.predictedAt / WINDOW_MS);
      byWindow.set(index, [...(byWindow.get(index) ?? []), row]);
    }
    const [run] = await temporal.mlflow.searchAllRuns({
      experimentIds: [
        (await temporal.mlflow.getOrCreateExperiment({ name: `hindsight/${view.name}` }))
          .experimentId,
      ],
      filter: `tags.\`hindsight.live_evaluation\` = '${workflowId}'`,
    });
    expect(run).toBeDefined();
    // The live run names the code's commit, as every run the platform makes does.
    expect(run?.tags['mlflow.source.git.commit']).toMatch(/^([0-9a-f]{40}|test)$/);
    const history = async (key: string) =>
      new Map(
        (await temporal.mlflow.getMetricHistory({ runId: run?.info.runId ?? '', key })).map((m) => [
          m.step,
          m.value,
        ]),
      );
    const aucs = await history('live_roc_auc');
    const losses = await history('live_log_loss');
    const counts = await history('live_predictions');
    const { events } = await db.store.readStream(evaluationStreamOf(workflowId));
    const evaluated = events.filter((e) => e.type === MODEL_EVALUATED);
    expect(evaluated).toHaveLength(byWindow.size);
    for (const [index, windowRows] of byWindow) {
      expect(counts.get(index)).toBe(windowRows.length);
      const labelled = windowRows.filter((r) => r.label !== null);
      const labels = labelled.map((r) => r.label as Label);
      const scores = labelled.map((r) => r.score);
      const bothClasses = new Set(labels).size === 2;
      if (bothClasses) {
        expect(aucs.get(index)).toBeCloseTo(pairCountingAuc(labels, scores), 9);
      } else {
        expect(aucs.has(index)).toBe(false);
      }
      if (labelled.length > 0) {
        const eps = 1e-15;
        const loss =
          labelled.reduce((sum, r) => {
            // The probability given to the true class, clipped to [eps, 1 - eps].
            const truth = r.label === 1 ? r.score : 1 - r.score;
            return sum - Math.log(Math.min(1 - eps, Math.max(eps, truth)));
          }, 0) / labelled.length;
        expect(losses.get(index)).toBeCloseTo(loss, 6);
      }
      const event = evaluated.find(
        (e) => (JSON.parse(e.data) as { window: { index: number } }).window.index === index,
      );
      expect(JSON.parse(event?.data ?? '{}')).toMatchObject({
        predictions: windowRows.length,
        labelled: labelled.length,
      });
    }
  }, 900_000);
});
