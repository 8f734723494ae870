// Figure (k)'s workflows: thousands of executions in Temporal's visibility, started on a task
// queue that no worker polls (they stay RUNNING and cost nothing but their rows), with the
// platform's workflow types and the HindsightView search attribute; every 33rd is terminated,
// so that a status filter has something to filter out.
import type { Client } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { VIEW_ATTRIBUTE } from '../workflows/searchAttributeKeys.js';
import { WORKFLOW_TYPES, type WorkflowType } from '../workflows/workflowTypes.js';
import { DATASET_VIEWS } from './consoleEvents.js';

const NAMESPACE = 'default';
const IN_FLIGHT = 32;
const TERMINATE_EVERY = 33;
const VISIBILITY_TIMEOUT_MS = 120_000;

/** The platform's workflow types, each with its share of the runs, an id prefix and an input. */
const KINDS: {
  type: WorkflowType;
  weight: number;
  prefix: string;
  input(view: string): unknown;
}[] = [
  {
    type: WORKFLOW_TYPES.RetrainingPipeline,
    weight: 25,
    prefix: 'pipeline',
    input: (view) => ({ view }),
  },
  {
    type: WORKFLOW_TYPES.DatasetWorkflow,
    weight: 25,
    prefix: 'dataset',
    input: (view) => ({ view }),
  },
  {
    type: WORKFLOW_TYPES.RollbackWorkflow,
    weight: 15,
    prefix: 'rollback',
    input: (view) => ({
      modelName: view,
      fromVersion: '2',
      toVersion: '1',
      actor: 'bench',
      reason: '',
      datasetDigest: '',
      view,
    }),
  },
  {
    type: WORKFLOW_TYPES.PromotionWorkflow,
    weight: 10,
    prefix: 'promotion',
    input: (view) => ({ modelName: view }),
  },
  {
    type: WORKFLOW_TYPES.BatchScoringWorkflow,
    weight: 15,
    prefix: 'scoring',
    input: (view) => ({ modelName: view }),
  },
  { type: WORKFLOW_TYPES.SnapshotWorkflow, weight: 8, prefix: 'snapshot', input: () => ({}) },
  {
    type: WORKFLOW_TYPES.LiveEvaluationWorkflow,
    weight: 2,
    prefix: 'live-evaluation',
    input: (view) => ({ modelName: view }),
  },
];
const TOTAL_WEIGHT = KINDS.reduce((sum, kind) => sum + kind.weight, 0);

const terminated = (i: number): boolean => i % TERMINATE_EVERY === TERMINATE_EVERY - 1;

const kindOf = (i: number): (typeof KINDS)[number] => {
  let slot = (i * 37) % TOTAL_WEIGHT;
  for (const kind of KINDS) {
    if (slot < kind.weight) return kind;
    slot -= kind.weight;
  }
  throw new Error('unreachable');
};

export interface ConsoleWorkflows {
  total: number;
  terminated: number;
  /** A running RetrainingPipeline and a terminated one, for the detail page. */
  runningId: string;
  terminatedId: string;
  startSeconds: number;
  terminateSeconds: number;
  visibilitySeconds: number;
}

const countOf = async (client: Client, query: string): Promise<number> => {
  const { count } = await client.workflowService.countWorkflowExecutions({
    namespace: NAMESPACE,
    query,
  });
  return Number(count ?? 0);
};

/** Runs `work(i)` for i = 0 .. total-1, `IN_FLIGHT` at a time. */
const bounded = async (total: number, work: (i: number) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, total) }, async () => {
      for (let i = next++; i < total; i = next++) await work(i);
    }),
  );
};

export const startConsoleWorkflows = async (
  client: Client,
  taskQueue: string,
  total: number,
): Promise<ConsoleWorkflows> => {
  const ids: string[] = [];
  let started = performance.now();
  let reported = started;
  let done = 0;
  await bounded(total, async (i) => {
    const kind = kindOf(i);
    const view = DATASET_VIEWS[i % DATASET_VIEWS.length] ?? 'work_order_overrun';
    const workflowId = `${kind.prefix}-${view}-${String(i).padStart(6, '0')}`;
    ids[i] = workflowId;
    await client.workflow.start(kind.type, {
      taskQueue,
      workflowId,
      args: [kind.input(view)],
      typedSearchAttributes: [{ key: VIEW_ATTRIBUTE, value: view }],
    });
    done += 1;
    if (performance.now() - reported > 15_000) {
      reported = performance.now();
      console.log(`    started ${done}/${total} workflows`);
    }
  });
  const startSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const toTerminate = ids.filter((_, i) => terminated(i));
  await bounded(toTerminate.length, async (i) => {
    await client.workflow
      .getHandle(toTerminate[i] ?? '')
      .terminate('bench: a closed run for the status filter');
  });
  const terminateSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const deadline = started + VISIBILITY_TIMEOUT_MS;
  for (;;) {
    const [all, closed] = await Promise.all([
      countOf(client, ''),
      countOf(client, "ExecutionStatus = 'Terminated'"),
    ]);
    if (all >= total && closed >= toTerminate.length) break;
    if (performance.now() > deadline) {
      throw new Error(
        `visibility lists ${all}/${total} workflows, ${closed}/${toTerminate.length} terminated`,
      );
    }
    await sleep(250);
  }
  const visibilitySeconds = (performance.now() - started) / 1000;

  const pipeline = (i: number): boolean => kindOf(i).type === WORKFLOW_TYPES.RetrainingPipeline;
  const runningId = ids.find((_, i) => pipeline(i) && !terminated(i));
  const terminatedId = ids.find((_, i) => pipeline(i) && terminated(i));
  if (!runningId || !terminatedId) throw new Error('no RetrainingPipeline started');
  return {
    total,
    terminated: toTerminate.length,
    runningId,
    terminatedId,
    startSeconds,
    terminateSeconds,
    visibilitySeconds,
  };
};
