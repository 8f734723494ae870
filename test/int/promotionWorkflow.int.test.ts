// PromotionWorkflow on real Temporal, MLflow and PostgreSQL: the rules decide, a reviewer can be
// required (approve, reject, or a deadline that rejects), the alias `champion` moves only on a
// promotion, and every decision lands on the model's stream with its reasons.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentChampion } from '../../platform/modelRegistry.js';
import { modelStreamOf } from '../../platform/modelEvents.js';
import { approveUpdate, promotionStatusQuery, rejectUpdate } from '../../workflows/messages.js';
import type { PromotionWorkflowInput, Review } from '../../workflows/promotionInput.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';

let db: TestDatabase;
let temporal: TestTemporal;

const DIGEST = 'ab'.repeat(32);
const BASELINE = { rocAuc: 0.5, logLoss: 0.69, brier: 0.25 };
const GOOD = { rocAuc: 0.8, logLoss: 0.5, brier: 0.17 };
const BETTER = { rocAuc: 0.84, logLoss: 0.48, brier: 0.16 };
const WORSE = { rocAuc: 0.79, logLoss: 0.51, brier: 0.171 };

/** A registered model with `count` versions, each from a run holding a model file. */
const registerModel = async (count: number): Promise<string> => {
  const name = `model-${randomBytes(4).toString('hex')}`;
  const { mlflow } = temporal;
  const experiment = await mlflow.getOrCreateExperiment({ name: `promotion-tests` });
  await mlflow.createRegisteredModel({ name });
  for (let i = 0; i < count; i += 1) {
    const run = await mlflow.createRun({ experimentId: experiment.experimentId });
    await mlflow.uploadArtifact({
      runId: run.info.runId,
      path: 'model/model.json',
      content: Buffer.from('{}'),
    });
    await mlflow.createModelVersion({
      name,
      source: `${run.info.artifactUri}/model`,
      runId: run.info.runId,
    });
  }
  return name;
};

/**
 * The paired bootstrap's interval as the evaluation would give it for these metrics: the AUC
 * gain over the reference, give or take 0.02 (significant when the gain is above 0.02).
 */
const intervalOf = (input: Partial<PromotionWorkflowInput>) => {
  const challenger = (input.challenger?.metrics ?? GOOD).rocAuc ?? 0;
  const reference =
    (input.champion === undefined || input.champion === null ? BASELINE : input.champion.metrics)
      .rocAuc ?? 0;
  const gain = challenger - reference;
  return {
    metric: 'rocAuc',
    confidence: 0.95,
    resamples: 1000,
    rows: 500,
    gain,
    lower: gain - 0.02,
    upper: gain + 0.02,
    standardError: 0.01,
  };
};

const start = (input: Partial<PromotionWorkflowInput> & { modelName: string }) =>
  temporal.client.workflow.start<typeof PromotionWorkflow>(WORKFLOW_TYPES.PromotionWorkflow, {
    taskQueue: temporal.taskQueue,
    workflowId: uniqueId('promotion'),
    args: [
      {
        challenger: { version: '1', metrics: GOOD },
        champion: null,
        baseline: BASELINE,
        validationRows: 500,
        datasetDigest: DIGEST,
        interval: intervalOf(input),
        ...input,
      },
    ],
  });

const streamTypes = async (modelName: string): Promise<string[]> =>
  (await db.store.readStream(modelStreamOf(modelName))).events.map((e) => e.type);

const untilAwaiting = async (handle: WorkflowHandle<typeof PromotionWorkflow>): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while ((await handle.query(promotionStatusQuery)).stage !== 'awaiting_approval') {
    if (Date.now() > deadline) throw new Error('timed out waiting for the approval stage');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
});

afterAll(async () => {
  await temporal.close();
  await db.drop();
});

describe('PromotionWorkflow', () => {
  it('promotes a first model that beats the base rate, and records why', async () => {
    const modelName = await registerModel(1);
    const result = await (await start({ modelName })).result();
    expect(result).toMatchObject({ outcome: 'promoted', decidedBy: 'rules', stage: 'done' });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
    const [event] = (await db.store.readStream(modelStreamOf(modelName))).events;
    expect(event?.type).toBe('ModelPromoted');
    expect(JSON.parse(event?.data ?? '{}')).toMatchObject({
      modelName,
      challengerVersion: '1',
      championVersion: null,
      datasetDigest: DIGEST,
      decidedBy: 'rules',
    });
  });

  it('rejects a challenger that does not beat the champion, and leaves the alias', async () => {
    const modelName = await registerModel(2);
    await (await start({ modelName })).result();
    const result = await (
      await start({
        modelName,
        challenger: { version: '2', metrics: WORSE },
        champion: { version: '1', metrics: GOOD },
      })
    ).result();
    expect(result).toMatchObject({ outcome: 'rejected', decidedBy: 'rules' });
    expect(result.rulesVerdict).toMatch(/^reject vs champion/);
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
    expect(await streamTypes(modelName)).toEqual(['ModelPromoted', 'PromotionRejected']);
  });

  it('waits for a reviewer when approval is required; approving promotes', async () => {
    const modelName = await registerModel(1);
    const handle = await start({ modelName, approval: 'required' });
    await untilAwaiting(handle);
    expect(await currentChampion(temporal.mlflow, modelName)).toBeNull();
    const status = await handle.executeUpdate(approveUpdate, {
      args: [{ reviewer: 'ada', reason: 'holdout looks right' }],
    });
    expect(status.reviewer).toBe('ada');
    const result = await handle.result();
    expect(result).toMatchObject({
      outcome: 'promoted',
      decidedBy: 'reviewer',
      reason: 'holdout looks right',
    });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
    // A decided promotion takes no more reviews: Temporal refuses updates to a closed workflow.
    await expect(
      handle.executeUpdate(rejectUpdate, { args: [{ reviewer: 'bob', reason: 'too late' }] }),
    ).rejects.toThrow(/already completed/);
  });

  it('refuses a malformed review, and rejecting leaves the alias unchanged', async () => {
    const modelName = await registerModel(2);
    await (await start({ modelName })).result();
    const handle = await start({
      modelName,
      approval: 'required',
      challenger: { version: '2', metrics: BETTER },
      champion: { version: '1', metrics: GOOD },
    });
    await untilAwaiting(handle);
    for (const review of [{ reviewer: '', reason: 'x' }, { reviewer: 'ada' }, 'yes']) {
      const error = await handle
        // Malformed on purpose: the workflow's validator must refuse what the type would not allow.
        .executeUpdate(approveUpdate, { args: [review as Review] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    }
    await handle.executeUpdate(rejectUpdate, {
      args: [{ reviewer: 'bob', reason: 'not this week' }],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'rejected', decidedBy: 'reviewer', reviewer: 'bob' });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
  });

  it('rejects when nobody reviews before the deadline', async () => {
    const modelName = await registerModel(1);
    const result = await (
      await start({ modelName, approval: 'required', approvalTimeoutMs: 1500 })
    ).result();
    expect(result).toMatchObject({ outcome: 'rejected', decidedBy: 'timeout' });
    expect(await currentChampion(temporal.mlflow, modelName)).toBeNull();
    expect(await streamTypes(modelName)).toEqual(['PromotionRejected']);
  });

  it('rejects a promotion whose champion changed after the evaluation', async () => {
    const modelName = await registerModel(3);
    await (await start({ modelName })).result();
    await temporal.mlflow.setModelAlias({ name: modelName, alias: 'champion', version: '3' });
    const result = await (
      await start({
        modelName,
        challenger: { version: '2', metrics: BETTER },
        champion: { version: '1', metrics: GOOD },
      })
    ).result();
    expect(result).toMatchObject({ outcome: 'rejected', decidedBy: 'champion_changed' });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('3');
  });

  it('refuses malformed input and rules with the field named, writing nothing', async () => {
    const before = await db.snapshot();
    for (const [input, field] of [
      [{ modelName: 'bad name!' }, 'modelName'],
      [{ modelName: 'm', approval: 'maybe' }, 'approval'],
      [{ modelName: 'm', challenger: { version: 'one', metrics: GOOD } }, 'challenger.version'],
      [{ modelName: 'm', rules: { primaryMetric: 'auc' } }, 'primaryMetric'],
    ] as const) {
      const error = await (await start(input as never)).result().catch((e: unknown) => e);
      const cause = applicationFailureOf(error);
      expect(cause).toMatchObject({ type: 'INVALID_ARGUMENT', nonRetryable: true });
      expect(cause?.message).toContain(field);
    }
    expect(await db.snapshot()).toBe(before);
  });
});
