// Hindsight as the ecosystem's own tools see it, on a real stack (PostgreSQL, Temporal, MLflow, a
// gRPC server, a worker) after a real pipeline: MLflow's Python client follows the champion's
// lineage with MLflow's conventions only (the README's examples/python/mlflow_lineage.py) and
// downloads the dataset; the `temporal` CLI finds every kind of workflow that works on the view
// by `HindsightView` (the rest by `HindsightKind`), and each one's memo says what it is.
import type { ServiceError } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';
import { currentChampion } from '../../platform/modelRegistry.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import type { SnapshotWorkflow } from '../../workflows/snapshotWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { uniqueId } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const VIEW = 'work_order_overrun';

let stack: ServingStack;
let downloads: string;

/** A unary call of the Models service, as a promise. */
const call = <Req, Res>(method: string, request: Req): Promise<Res> =>
  new Promise((resolve, reject) => {
    const client = stack.models as unknown as Record<
      string,
      (req: Req, done: (error: ServiceError | null, response: Res) => void) => void
    >;
    client[method]?.call(stack.models, request, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });

interface ListedWorkflow {
  execution: { workflowId: string };
  type: { name: string };
  searchAttributes?: { indexedFields?: Record<string, { data?: string }> };
}

/** `temporal workflow list` with a visibility query, as JSON. */
const temporalList = async (query: string): Promise<ListedWorkflow[]> => {
  const { stdout } = await run(path.join(projectRoot, '.venv/bin/temporal'), [
    'workflow',
    'list',
    '--address',
    inject('temporalAddress'),
    '--namespace',
    'default',
    '--query',
    query,
    '--output',
    'json',
  ]);
  return JSON.parse(stdout || '[]') as ListedWorkflow[];
};

beforeAll(async () => {
  stack = await startServingStack({ prefix: 'ecosystem', demo: { seed: 61, workOrders: 400 } });
  downloads = await mkdtemp(path.join(tmpdir(), 'hindsight-lineage-'));
}, 600_000);

afterAll(async () => {
  await call('stopLiveEvaluation', { modelName: stack?.modelName }).catch(() => undefined);
  await stack?.close();
  await rm(downloads, { recursive: true, force: true });
});

describe('MLflow’s Python client', () => {
  it('goes champion → pipeline run → dataset (downloaded) → model versions, by MLflow’s conventions', async () => {
    const { stdout } = await run(
      path.join(projectRoot, '.venv/bin/python'),
      [
        'examples/python/mlflow_lineage.py',
        '--tracking-uri',
        stack.temporal.mlflow.trackingUri,
        '--model',
        stack.modelName,
        '--download-to',
        downloads,
      ],
      { cwd: projectRoot },
    );
    const lineage = JSON.parse(stdout) as {
      pipeline: { run_id: string; run_name: string; status: string; description: string };
      children: { run_id: string; run_name: string }[];
      dataset: {
        name: string;
        digest: string;
        source_type: string;
        rows: number;
        split: Record<string, number>;
        parquet: string;
      };
      versions: number[];
      champion: number;
    };
    // What Hindsight itself says: the champion, its dataset and the versions of the pipeline.
    const champion = await stack.temporal.mlflow.getModelVersion({
      name: stack.modelName,
      version: stack.champion,
    });
    const { items } = await stack.temporal.mlflow.searchModelVersions({
      filter: `name = '${stack.modelName}'`,
    });
    expect(lineage.champion).toBe(Number(stack.champion));
    expect(lineage.versions).toEqual(items.map((v) => Number(v.version)).sort((a, b) => a - b));
    expect(lineage.versions).toContain(lineage.champion);
    expect(lineage.pipeline).toMatchObject({
      run_name: `pipeline ${stack.modelName}`,
      status: 'FINISHED',
    });
    expect(lineage.pipeline.description).toContain(
      `Version ${stack.champion} was promoted to champion.`,
    );
    // One dataset run, one training run per trainer, one evaluation run, all under it.
    const names = lineage.children.map((c) => c.run_name.split(' ')[0]).sort();
    expect(names).toEqual(['dataset', 'evaluate', ...lineage.versions.map(() => 'train')]);
    expect(lineage.dataset).toMatchObject({
      name: `${VIEW}_v1`,
      digest: champion.tags['hindsight.dataset_digest'],
      source_type: 'http',
    });
    expect(lineage.dataset.rows).toBeGreaterThan(100);
    expect(Object.keys(lineage.dataset.split)).toEqual(
      expect.arrayContaining(['train', 'validation', 'test']),
    );
    expect(lineage.dataset.parquet.startsWith(downloads)).toBe(true);
    // Every run of the pipeline carries its workflow id.
    const pipelineRun = await stack.temporal.mlflow.getRun(lineage.pipeline.run_id);
    const workflowId = pipelineRun.tags['hindsight.workflow_id'];
    expect(workflowId).toMatch(/^pipeline-/);
    for (const child of lineage.children) {
      const tags = (await stack.temporal.mlflow.getRun(child.run_id)).tags;
      expect(tags['hindsight.workflow_id']).toBe(workflowId);
      expect(tags['mlflow.source.git.commit']).toBeTruthy();
    }
  }, 180_000);
});

describe('the temporal CLI', () => {
  it('finds every kind of workflow on the view by HindsightView, each with a memo', async () => {
    const { modelName } = stack;
    // The other kinds that work on a view: a batch, live evaluation, a rollback.
    const batch = await call<object, { workflowId: string }>('startBatchScoring', {
      modelName,
      intervalSeconds: 0,
      paused: false,
      clock: '',
    });
    await stack.temporal.client.workflow.getHandle(batch.workflowId).result();
    await call('startLiveEvaluation', {
      modelName,
      view: VIEW,
      windowMs: 0,
      labelHorizonMs: 0,
      policyJson: Buffer.alloc(0),
      retrainingJson: Buffer.alloc(0),
    });
    // A second version (another trainer configuration), whatever its promotion decides, to roll
    // back from the champion to.
    await stack.temporal.client.workflow.execute<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue: stack.temporal.taskQueue,
        workflowId: uniqueId('pipeline'),
        args: [
          {
            view: VIEW,
            modelName,
            trainers: [{ name: 'logistic_regression', params: { l2: 5 } }],
            force: true,
          },
        ],
      },
    );
    const champion = await currentChampion(stack.temporal.mlflow, modelName);
    const { items } = await stack.temporal.mlflow.searchModelVersions({
      filter: `name = '${modelName}'`,
    });
    const other = items.find((v) => v.version !== champion)?.version ?? '';
    await call('rollbackModel', {
      modelName,
      toVersion: other,
      actor: 'ecosystem-test',
      reason: 'the temporal CLI finds rollbacks too',
    });

    const kinds = [
      'pipeline',
      'dataset',
      'promotion',
      'batch-scoring',
      'live-evaluation',
      'rollback',
    ];
    // The pipeline's children are named after it; the rest carry the model.
    const pipelines = await temporalList(
      `HindsightKind='pipeline' AND HindsightModel='${modelName}'`,
    );
    const pipelineId = pipelines[0]?.execution.workflowId ?? '';
    expect(pipelineId).toMatch(/^pipeline-/);
    const query =
      `HindsightView='${VIEW}' AND (HindsightModel='${modelName}' OR ` +
      `WorkflowId='${pipelineId}/dataset')`;
    // Visibility is eventually consistent: wait for the condition, not for a time.
    let found: ListedWorkflow[] = [];
    const kindOf = (w: ListedWorkflow): string => {
      const data = w.searchAttributes?.indexedFields?.HindsightKind?.data ?? '';
      return JSON.parse(Buffer.from(data, 'base64').toString() || '""') as string;
    };
    await waitFor(
      async () => {
        found = await temporalList(query);
        const listed = new Set(found.map(kindOf));
        return kinds.every((kind) => listed.has(kind));
      },
      120_000,
      `every kind (${kinds.join(', ')}) in visibility by HindsightView`,
    );
    for (const kind of kinds) {
      const workflow = found.find((w) => kindOf(w) === kind);
      const memo = await stack.temporal.client.workflow
        .getHandle(workflow?.execution.workflowId ?? '')
        .describe()
        .then((d) => d.memo);
      expect(memo, kind).toMatchObject({ 'hindsight.kind': kind, 'hindsight.view': VIEW });
      expect(String(memo?.['hindsight.summary']), kind).not.toBe('');
    }
  }, 300_000);

  it('finds the kinds that work on no view (snapshots) by HindsightKind', async () => {
    const workflowId = uniqueId('snapshot');
    await stack.temporal.client.workflow.execute<typeof SnapshotWorkflow>(
      WORKFLOW_TYPES.SnapshotWorkflow,
      {
        taskQueue: stack.temporal.taskQueue,
        workflowId,
        args: [{}],
      },
    );
    await waitFor(
      async () =>
        (await temporalList(`HindsightKind='snapshot' AND WorkflowId='${workflowId}'`)).length ===
        1,
      120_000,
      'the snapshot run in visibility by HindsightKind',
    );
  }, 300_000);
});
