// RetrainingPipeline end to end on real Temporal, MLflow and PostgreSQL: from the demo log to a
// champion with its lineage; a rerun on an unchanged log skips; more events give a new dataset
// whose challenger the rules promote or reject, with the matching event on the model's stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelStreamOf } from '../../platform/modelEvents.js';
import { currentChampion } from '../../platform/modelRegistry.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import type { PipelineResult, RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';

const VIEW = 'work_order_overrun';
/** The validation ROC AUC a champion must reach on the demo log: far above chance (0.5). */
const REQUIRED_AUC = 0.7;

let db: TestDatabase;
let temporal: TestTemporal;
const modelName = `overrun-${Date.now().toString(36)}`;

const appendDemo = async (seed: number, workOrders: number, start?: number): Promise<void> => {
  for (const { streamId, event } of generateDemoEvents({ seed, workOrders, start })) {
    await db.store.append(streamId, [event]);
  }
};

const runPipeline = (input: Omit<PipelineInput, 'view'> & { view?: string }) =>
  temporal.client.workflow.execute<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline, {
    taskQueue: temporal.taskQueue,
    workflowId: uniqueId('pipeline'),
    args: [{ view: VIEW, modelName, ...input }],
    workflowExecutionTimeout: '10 minutes',
  });

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  await appendDemo(31, 400);
});

afterAll(async () => {
  await temporal.close();
  await db.drop();
});

describe('RetrainingPipeline', () => {
  let first: PipelineResult;

  it('turns the demo log into a champion with dataset lineage', async () => {
    first = await runPipeline({
      trainers: [
        { name: 'logistic_regression', params: { l2: 1 } },
        { name: 'random_forest', params: { trees: 30, maxDepth: 6 }, seed: 7 },
      ],
    });
    expect(first.status).toBe('completed');
    expect(first.trained.map((t) => t.trainer)).toEqual(['logistic_regression', 'random_forest']);
    expect(first.promotion?.outcome).toBe('promoted');
    const champion = await currentChampion(temporal.mlflow, modelName);
    expect(champion).toBe(first.promotion?.challengerVersion);
    const version = await temporal.mlflow.getModelVersion({
      name: modelName,
      version: champion ?? '',
    });
    expect(version.tags).toMatchObject({
      'hindsight.dataset_digest': first.dataset?.digest,
      'hindsight.cut': String(first.dataset?.manifest.cut.transactionId),
      'hindsight.view': VIEW,
      'hindsight.git_commit': 'test',
    });
    expect(version.tags['hindsight.workflow_id']).toMatch(/^pipeline-/);
    const auc = Number(version.tags['hindsight.validation_roc_auc']);
    expect(auc).toBeGreaterThanOrEqual(REQUIRED_AUC);
    const evaluation = first.progress.evaluation;
    expect(evaluation?.champion).toBeNull();
    expect(evaluation?.baseline.rocAuc).toBe(0.5);
    expect(evaluation?.validationRows).toBeGreaterThanOrEqual(200);
    // The evaluation run names its dataset run and the code's commit.
    const evaluationRun = await temporal.mlflow.getRun(evaluation?.runId ?? '');
    expect(evaluationRun.tags).toMatchObject({
      'mlflow.source.git.commit': 'test',
      'hindsight.dataset_run_id': first.dataset?.runId,
    });
    // The pipeline's own run: finished with the outcome, its dataset as input, its runs nested.
    const pipelineRunId = first.progress.mlflowRunId ?? '';
    const pipelineRun = await temporal.mlflow.getRun(pipelineRunId);
    expect(pipelineRun.info.status).toBe('FINISHED');
    expect(pipelineRun.tags).toMatchObject({
      'hindsight.kind': 'pipeline',
      'hindsight.outcome': 'promoted',
      'hindsight.champion_version': champion,
      'hindsight.dataset_run_id': first.dataset?.runId,
      'hindsight.model_versions': first.trained.map((t) => t.version).join(','),
    });
    expect(pipelineRun.datasetInputs.map((i) => i.dataset.digest)).toEqual([
      first.dataset?.digest.slice(0, 32),
    ]);
    for (const runId of [
      first.dataset?.runId,
      evaluation?.runId,
      ...first.trained.map((t) => t.runId),
    ]) {
      const nested = await temporal.mlflow.getRun(runId ?? '');
      expect(nested.tags['mlflow.parentRunId']).toBe(pipelineRunId);
      expect(nested.tags['hindsight.workflow_id']).toBe(pipelineRun.tags['hindsight.workflow_id']);
    }
    // The evaluation run holds both plots.
    const plots = await temporal.mlflow.listArtifacts({
      runId: evaluation?.runId ?? '',
      path: 'plots',
    });
    expect(plots.map((f) => f.path)).toEqual(['plots/calibration.svg', 'plots/roc.svg']);
    const events = (await db.store.readStream(modelStreamOf(modelName))).events;
    expect(events.map((e) => e.type)).toEqual(['ModelPromoted']);
  });

  it('skips itself when the log has nothing new for the view', async () => {
    const again = await runPipeline({});
    expect(again.status).toBe('skipped');
    expect(again.progress.stage).toBe('skipped');
    expect(again.dataset?.digest).toBe(first.dataset?.digest);
    expect(again.progress.note).toContain('nothing new to learn');
    const skippedRun = await temporal.mlflow.getRun(again.progress.mlflowRunId ?? '');
    expect(skippedRun.info.status).toBe('FINISHED');
    expect(skippedRun.tags['hindsight.outcome']).toBe('skipped');
  });

  it('evaluates a challenger on new data against the champion, and records the decision', async () => {
    await appendDemo(32, 150, Date.UTC(2026, 9, 1));
    const next = await runPipeline({});
    expect(next.status).toBe('completed');
    expect(next.dataset?.digest).not.toBe(first.dataset?.digest);
    expect(next.progress.evaluation?.champion?.version).toBe(first.promotion?.challengerVersion);
    const outcome = next.promotion?.outcome;
    expect(['promoted', 'rejected']).toContain(outcome);
    const events = (await db.store.readStream(modelStreamOf(modelName))).events;
    expect(events.map((e) => e.type)).toEqual([
      'ModelPromoted',
      outcome === 'promoted' ? 'ModelPromoted' : 'PromotionRejected',
    ]);
    const champion = await currentChampion(temporal.mlflow, modelName);
    expect(champion).toBe(
      outcome === 'promoted'
        ? next.promotion?.challengerVersion
        : first.promotion?.challengerVersion,
    );
  });

  it('refuses an unknown trainer or bad hyperparameters before doing anything', async () => {
    const before = await db.snapshot();
    for (const [trainers, text] of [
      [[{ name: 'deep_magic' }], 'trainers[0]: unknown trainer "deep_magic"'],
      [[{ name: 'logistic_regression', params: { l2: -1 } }], 'trainers[0]: '],
      [[{ name: 'random_forest', params: { colour: 'red' } }], 'trainers[0]: '],
      // The same configuration twice (defaults filled in) would train one model twice.
      [
        [{ name: 'logistic_regression' }, { name: 'logistic_regression', params: { l2: 1 } }],
        'trainers[1]: is trainers[0] again (same trainer, params and seed)',
      ],
    ] as const) {
      const error = await runPipeline({ trainers: trainers as never }).catch((e: unknown) => e);
      const cause = applicationFailureOf(error);
      expect(cause).toMatchObject({ type: 'INVALID_ARGUMENT', nonRetryable: true });
      expect(cause?.message).toContain(text);
    }
    // Selecting among trainers and deciding on the same rows favours a lucky one.
    const noTest = await runPipeline({
      testFraction: 0,
      trainers: [{ name: 'logistic_regression' }, { name: 'random_forest' }],
    }).catch((e: unknown) => e);
    expect(applicationFailureOf(noTest)?.message).toContain('testFraction: is 0 with 2 trainers');
    expect(await db.snapshot()).toBe(before);
  });
});
