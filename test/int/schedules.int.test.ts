// Temporal Schedules for RetrainingPipeline on a real Temporal server, worker, MLflow and
// PostgreSQL: a schedule starts pipelines tagged with their view, one at a time (SKIP), pauses,
// resumes, triggers and deletes; bad specs and ids are refused before anything is created.
import { WorkflowNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { ValidationError } from '../../eventstore/errors.js';
import {
  ScheduleExistsError,
  ScheduleNotFoundError,
  createPipelineSchedules,
  type CreatePipelineSchedule,
  type PipelineScheduleSummary,
  type PipelineSchedules,
} from '../../services/schedules/index.js';
import { putIntervalSchedule } from '../../services/schedules/intervalSchedule.js';
import {
  getScoringSchedule,
  putScoringSchedule,
} from '../../services/schedules/scoringSchedule.js';
import type { BatchScoringWorkflow } from '../../workflows/batchScoringWorkflow.js';
import { pipelineProgressQuery, promotionStatusQuery } from '../../workflows/messages.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import type { PipelineResult, RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { VIEW_ATTRIBUTE } from '../../workflows/searchAttributes.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { rejectionWith, sleep } from '../support/wait.js';

const VIEW = 'work_order_overrun';
/** Never fires during a test run: the schedule acts only when triggered. */
const YEARLY = { cron: '0 0 1 1 *' };

let db: TestDatabase;
let temporal: TestTemporal;
let schedules: PipelineSchedules;
const created: string[] = [];
// One model for the file: once the first run trained it, later runs skip quickly ("nothing new").
const input: PipelineInput = {
  view: VIEW,
  modelName: `scheduled-${Date.now().toString(36)}`,
  trainers: [{ name: 'logistic_regression', params: { l2: 1 } }],
};

const create = async (request: CreatePipelineSchedule): Promise<PipelineScheduleSummary> => {
  created.push(request.id ?? `pipeline-${request.input.view}`);
  return schedules.create(request);
};

/** The pipelines a schedule started, from Temporal's visibility (which may lag a second). */
const startedBy = async (scheduleId: string): Promise<WorkflowExecutionInfo[]> => {
  const found: WorkflowExecutionInfo[] = [];
  const query = `WorkflowType='RetrainingPipeline' AND HindsightView='${VIEW}' AND TemporalScheduledById='${scheduleId}'`;
  for await (const workflow of temporal.client.workflow.list({ query })) found.push(workflow);
  return found;
};

const eventually = async <T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const fired = (s: PipelineScheduleSummary): number => s.actionsTaken + s.skippedOverlap;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const { streamId, event } of generateDemoEvents({ seed: 31, workOrders: 400 })) {
    await db.store.append(streamId, [event]);
  }
  schedules = createPipelineSchedules(temporal.client.schedule, { taskQueue: temporal.taskQueue });
});

afterAll(async () => {
  for (const id of created) {
    await schedules.delete(id).catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  // Deleting a schedule leaves its pipelines running: end those of this file's task queue.
  const query = `TaskQueue='${temporal.taskQueue}' AND ExecutionStatus='Running'`;
  for await (const { workflowId } of temporal.client.workflow.list({ query })) {
    await temporal.client.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => {});
  }
  await temporal.close();
  await db.drop();
});

describe('pipeline schedules', () => {
  it('start the pipeline every interval, tagged with its view, one run at a time', async () => {
    const id = uniqueId('every-2s');
    const schedule = await create({
      id,
      spec: { every: '2s' },
      // The promotion waits for a person, so the first run stays open.
      input: { ...input, approval: 'required', approvalTimeoutMs: 10 * 60_000 },
    });
    expect(schedule).toMatchObject({ id, view: VIEW, spec: 'every 2s', paused: false });
    expect(schedule.catchupWindowMs).toBe(60_000);

    const [run] = await eventually(
      () => startedBy(id),
      (l) => l.length > 0,
      20_000,
      'a run',
    );
    expect(run?.workflowId).toMatch(new RegExp(`^pipeline-${VIEW}-${id}-\\d{4}-`));
    // Set by the schedule's action at the start, before the workflow upserts it itself.
    const { action } = await temporal.client.schedule.getHandle(id).describe();
    const attributes = action.typedSearchAttributes;
    expect(attributes).toBeInstanceOf(TypedSearchAttributes);
    expect((attributes as TypedSearchAttributes).get(VIEW_ATTRIBUTE)).toBe(VIEW);
    expect(run?.typedSearchAttributes.get(VIEW_ATTRIBUTE)).toBe(VIEW);
    // The run is a real pipeline: it trains, evaluates, then waits for approval.
    const pipeline = temporal.client.workflow.getHandle<typeof RetrainingPipeline>(
      run?.workflowId ?? '',
    );
    const progress = await eventually(
      () => pipeline.query(pipelineProgressQuery),
      (p) => p.stage === 'promoting' || p.stage === 'failed' || p.stage === 'done',
      120_000,
      'the promotion stage',
    );
    expect(progress.stage).toBe('promoting');
    const promotion = temporal.client.workflow.getHandle<typeof PromotionWorkflow>(
      progress.promotionWorkflowId ?? '',
    );
    await eventually(
      // The pipeline names its promotion as it starts it: the child may not exist yet.
      () =>
        promotion.query(promotionStatusQuery).catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return null;
          throw error;
        }),
      (s) => s?.stage === 'awaiting_approval',
      30_000,
      'the approval',
    );

    // Intervals and a trigger while it runs start nothing: overlap policy SKIP.
    const before = await schedules.describe(id);
    await schedules.trigger(id);
    await sleep(5000);
    const after = await schedules.describe(id);
    expect(after.actionsTaken).toBe(1);
    expect(after.running).toEqual([run?.workflowId]);
    expect(after.skippedOverlap).toBeGreaterThanOrEqual(before.skippedOverlap + 3);
    expect((await startedBy(id)).map((w) => w.workflowId)).toEqual([run?.workflowId]);
    await schedules.delete(id);
    await pipeline.terminate('the test saw enough');
  }, 180_000);

  it('starts one now when triggered, and lists it', async () => {
    const id = uniqueId('yearly');
    await create({ id, spec: YEARLY, input, note: 'triggered by hand' });
    await schedules.trigger(id);
    const described = await eventually(
      () => schedules.describe(id),
      (s) => s.actionsTaken === 1,
      10_000,
      'the triggered run',
    );
    const workflowId = described.recentActions[0]?.workflowId ?? '';
    expect(workflowId).toMatch(new RegExp(`^pipeline-${VIEW}-${id}-`));
    const result = (await temporal.client.workflow
      .getHandle(workflowId)
      .result()) as PipelineResult;
    expect(['completed', 'skipped']).toContain(result.status);
    await eventually(
      () => startedBy(id),
      (l) => l.length === 1,
      10_000,
      'its visibility',
    );

    const listed = await eventually(
      () => schedules.list({ view: VIEW }),
      (all) => all.some((s) => s.id === id),
      10_000,
      'the schedule in the list',
    );
    const summary = listed.find((s) => s.id === id);
    expect(summary).toMatchObject({
      view: VIEW,
      spec: 'cron 0 0 1 1 *',
      paused: false,
      note: 'triggered by hand',
      actionsTaken: 1,
      running: [],
      recentActions: [{ workflowId }],
    });
    expect(summary?.nextActionTimes[0]).toMatch(/-01-01T00:00:00.000Z$/);
    expect(JSON.parse(JSON.stringify(listed))).toEqual(listed);
  }, 120_000);

  it('starts nothing while paused, and resumes when unpaused', async () => {
    const id = uniqueId('paused');
    const schedule = await create({
      id,
      spec: { every: '2s' },
      input,
      paused: true,
      note: 'later',
    });
    expect(schedule).toMatchObject({ paused: true, note: 'later' });
    await sleep(5000);
    expect(fired(await schedules.describe(id))).toBe(0);

    await schedules.unpause(id, 'go');
    await eventually(
      () => startedBy(id),
      (l) => l.length >= 1,
      60_000,
      'a run after unpausing',
    );

    await schedules.pause(id, 'hold on');
    await sleep(1000);
    const paused = await schedules.describe(id);
    expect(paused).toMatchObject({ paused: true, note: 'hold on' });
    await sleep(6000);
    const later = await schedules.describe(id);
    expect(fired(later)).toBe(fired(paused));
    expect((await startedBy(id)).length).toBe(later.actionsTaken);

    await schedules.unpause(id);
    const resumed = await eventually(
      () => schedules.describe(id),
      (s) => s.actionsTaken > later.actionsTaken,
      60_000,
      'a run after unpausing again',
    );
    await eventually(
      () => startedBy(id),
      (l) => l.length === resumed.actionsTaken,
      10_000,
      'its visibility',
    );
    await schedules.delete(id);
    const runs = resumed.running.map((w) => temporal.client.workflow.getHandle(w).result());
    await Promise.all(runs);
  }, 180_000);

  it('refuses a second schedule with the same id, and deletes', async () => {
    const schedule = await create({ spec: YEARLY, input, paused: true });
    // Named like the pipelines it starts.
    expect(schedule.id).toBe(`pipeline-${VIEW}`);
    await rejectionWith(ScheduleExistsError, create({ spec: { every: '1h' }, input }));

    await schedules.delete(schedule.id);
    for (const call of [
      () => schedules.describe(schedule.id),
      () => schedules.pause(schedule.id),
      () => schedules.trigger(schedule.id),
      () => schedules.delete(schedule.id),
    ]) {
      const error = await rejectionWith(ScheduleNotFoundError, call());
      expect(error.message).toBe(`schedule 'pipeline-${VIEW}' not found`);
    }
    expect((await schedules.list()).map((s) => s.id)).not.toContain(schedule.id);
  });

  it('takes the default schedule an earlier release made (retrain-<view>) for the view’s own', async () => {
    const legacy = `retrain-${VIEW}`;
    await create({ id: legacy, spec: YEARLY, input, paused: true });
    const error = await rejectionWith(ScheduleExistsError, create({ spec: YEARLY, input }));
    expect(error.scheduleId).toBe(legacy);
    expect((await schedules.list()).map((s) => s.id)).not.toContain(`pipeline-${VIEW}`);
    await schedules.delete(legacy);
  });

  it('keeps one batch-scoring schedule per model across the renaming (hindsight-scoring-<model>)', async () => {
    const modelName = `legacy-${Date.now().toString(36)}`;
    const put = (intervalSeconds: number) =>
      putScoringSchedule(temporal.client.schedule, temporal.taskQueue, {
        modelName,
        intervalSeconds,
        paused: true,
      });
    // As an earlier release made it.
    await putIntervalSchedule<typeof BatchScoringWorkflow>(temporal.client.schedule, {
      scheduleId: `hindsight-scoring-${modelName}`,
      workflowType: WORKFLOW_TYPES.BatchScoringWorkflow,
      workflowId: `scoring-${modelName}`,
      args: [{ modelName }],
      taskQueue: temporal.taskQueue,
      note: 'an earlier release',
      intervalSeconds: 600,
      paused: true,
    });
    expect((await getScoringSchedule(temporal.client.schedule, modelName))?.id).toBe(
      `hindsight-scoring-${modelName}`,
    );
    const { schedule, created: made } = await put(120);
    expect({ id: schedule.id, made, every: schedule.intervalSeconds }).toEqual({
      id: `hindsight-scoring-${modelName}`,
      made: false,
      every: 120,
    });
    await temporal.client.schedule.getHandle(`hindsight-scoring-${modelName}`).delete();
    // A model with none gets the new name.
    const fresh = await put(120);
    expect(fresh.schedule.id).toBe(`batch-scoring-${modelName}`);
    await temporal.client.schedule.getHandle(`batch-scoring-${modelName}`).delete();
  });

  it('refuses bad specs, ids and views with a precise error, creating nothing', async () => {
    const cases: [Partial<CreatePipelineSchedule>, string, string][] = [
      [{ spec: { every: '0s' } }, 'spec.every', 'must be at least 1s, not "0s"'],
      [{ spec: { every: 'often' } }, 'spec.every', `"often" is not a duration`],
      [{ spec: { every: '1.5s' } }, 'spec.every', 'not a whole number of seconds'],
      [{ spec: { every: '1m', offset: '1m' } }, 'spec.offset', 'shorter than the interval (1m)'],
      [{ spec: { cron: 'not cron' } }, 'spec.cron', 'is not a cron expression of 5 fields'],
      [{ spec: { cron: '0 3 * * * *' } }, 'spec.cron', 'is not a cron expression of 5 fields'],
      [
        { spec: { cron: '61 3 * * *' } },
        'spec.cron',
        'refused by Temporal: Minute is not in range',
      ],
      [{ spec: { every: '1h', cron: '0 3 * * *' } }, 'spec', 'give either'],
      [{ catchupWindow: '5s' }, 'catchupWindow', 'must be at least 10s'],
      [{ id: 'has space' }, 'id', '"has space" is not a schedule id'],
      [{ id: '-dash-first' }, 'id', 'is not a schedule id'],
      [
        { input: { view: 'Work-Orders' } },
        'input.view',
        '"Work-Orders" is not a feature view name',
      ],
    ];
    for (const [change, field, text] of cases) {
      const id = change.id ?? uniqueId('bad');
      const error = await rejectionWith(
        ValidationError,
        schedules.create({ id, spec: { every: '1h' }, input, ...change }),
      );
      expect(error.field).toBe(field);
      expect(error.message).toContain(text);
      if (change.id === undefined) {
        await rejectionWith(ScheduleNotFoundError, schedules.describe(id));
      }
    }
  });
});
