// PromotionWorkflow with the significance rule on real Temporal, MLflow and PostgreSQL: the gain's
// paired bootstrap interval decides with the other checks, rides on ModelPromoted /
// PromotionRejected and the alias history, and is told on the challenger's MLflow version.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentChampion } from '../../platform/modelRegistry.js';
import { modelStreamOf } from '../../platform/modelEvents.js';
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import { readAliasHistory } from '../../services/aliasHistory.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';

let db: TestDatabase;
let temporal: TestTemporal;

const DIGEST = 'cd'.repeat(32);
const BASELINE = { rocAuc: 0.5, logLoss: 0.69, brier: 0.25 };
const GOOD = { rocAuc: 0.8, logLoss: 0.5, brier: 0.17 };
const INTERVAL: GainInterval = {
  metric: 'rocAuc',
  confidence: 0.95,
  resamples: 1000,
  rows: 412,
  gain: 0.3,
  lower: 0.25,
  upper: 0.35,
  standardError: 0.026,
};

const registerModel = async (): Promise<string> => {
  const name = `significance-${randomBytes(4).toString('hex')}`;
  const { mlflow } = temporal;
  const experiment = await mlflow.getOrCreateExperiment({ name: 'promotion-tests' });
  await mlflow.createRegisteredModel({ name });
  const run = await mlflow.createRun({ experimentId: experiment.experimentId });
  await mlflow.createModelVersion({
    name,
    source: `${run.info.artifactUri}/model`,
    runId: run.info.runId,
  });
  return name;
};

const promote = async (modelName: string, interval?: GainInterval | null) =>
  (
    await temporal.client.workflow.start<typeof PromotionWorkflow>(
      WORKFLOW_TYPES.PromotionWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('promotion'),
        args: [
          {
            modelName,
            challenger: { version: '1', metrics: GOOD },
            champion: null,
            baseline: BASELINE,
            validationRows: 412,
            datasetDigest: DIGEST,
            ...(interval === undefined ? {} : { interval }),
          },
        ],
      },
    )
  ).result();

const tagsOf = async (name: string) =>
  (await temporal.mlflow.getModelVersion({ name, version: '1' })).tags;

const eventData = async (modelName: string) => {
  const [event] = (await db.store.readStream(modelStreamOf(modelName))).events;
  return { type: event?.type, data: JSON.parse(event?.data ?? '{}') as Record<string, unknown> };
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

describe('PromotionWorkflow with significance', () => {
  it('promotes a significant gain and records its interval in the log and in MLflow', async () => {
    const modelName = await registerModel();
    const result = await promote(modelName, INTERVAL);
    expect(result).toMatchObject({ outcome: 'promoted', interval: INTERVAL, tagError: null });
    expect(result.checks.find((c) => c.name === 'rocAuc significance')?.detail).toBe(
      'rocAuc gain 0.3000 over the baseline is significant at 95% (interval 0.2500 to 0.3500 over 412 rows, 1000 paired resamples)',
    );
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
    expect(await eventData(modelName)).toMatchObject({
      type: 'ModelPromoted',
      data: { interval: INTERVAL },
    });
    expect((await readAliasHistory(db.store, modelName)).changes).toMatchObject([
      { outcome: 'promoted', decidedBy: 'rules', interval: INTERVAL },
    ]);
    expect(await tagsOf(modelName)).toMatchObject({
      'hindsight.promotion.outcome': 'promoted',
      'hindsight.promotion.decided_by': 'rules',
      'hindsight.promotion.metric': 'rocAuc',
      'hindsight.promotion.gain': '0.3000',
      'hindsight.promotion.interval': '0.2500..0.3500 @95%',
    });
  });

  it('rejects a gain whose interval reaches 0, and says so on the version', async () => {
    const modelName = await registerModel();
    const noisy = { ...INTERVAL, gain: 0.01, lower: -0.02, upper: 0.04 };
    const result = await promote(modelName, noisy);
    expect(result).toMatchObject({ outcome: 'rejected', decidedBy: 'rules' });
    expect(result.rulesVerdict).toContain(
      'rocAuc gain 0.0100 over the baseline is not significant at 95% (interval -0.0200 to 0.0400 over 412 rows, 1000 paired resamples): the difference may be noise',
    );
    expect(await currentChampion(temporal.mlflow, modelName)).toBeNull();
    expect(await eventData(modelName)).toMatchObject({
      type: 'PromotionRejected',
      data: { interval: noisy },
    });
    expect(await tagsOf(modelName)).toMatchObject({
      'hindsight.promotion.outcome': 'rejected',
      'hindsight.promotion.interval': '-0.0200..0.0400 @95%',
    });
  });

  it('rejects when no interval is given and the rules require one; promotes when they do not', async () => {
    const modelName = await registerModel();
    const result = await promote(modelName);
    expect(result).toMatchObject({ outcome: 'rejected', interval: null });
    expect(result.rulesVerdict).toContain(
      'no significance interval was computed for the rocAuc gain over the baseline',
    );
    expect(await eventData(modelName)).toMatchObject({ data: { interval: null } });
    expect(await tagsOf(modelName)).not.toHaveProperty('hindsight.promotion.interval');

    const other = await registerModel();
    const unchecked = await (
      await temporal.client.workflow.start<typeof PromotionWorkflow>(
        WORKFLOW_TYPES.PromotionWorkflow,
        {
          taskQueue: temporal.taskQueue,
          workflowId: uniqueId('promotion'),
          args: [
            {
              modelName: other,
              challenger: { version: '1', metrics: GOOD },
              champion: null,
              baseline: BASELINE,
              validationRows: 412,
              datasetDigest: DIGEST,
              rules: { significance: null },
            },
          ],
        },
      )
    ).result();
    expect(unchecked.outcome).toBe('promoted');
  });

  it('fails at once on a malformed interval, writing nothing', async () => {
    const modelName = await registerModel();
    const before = await db.snapshot();
    await expect(promote(modelName, { ...INTERVAL, lower: 0.5, upper: 0.1 })).rejects.toThrow(
      /workflow execution failed/i,
    );
    expect(await db.snapshot()).toBe(before);
  });
});
