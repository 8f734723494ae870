// UpcastMigrationWorkflow and UndoMigrationWorkflow on the real stack: a worker process killed
// midway is replaced and every event is migrated exactly once with its original kept; datasets
// at a fixed cut keep their digest through migration and undo; bad requests fail naming what is
// wrong and write nothing; an upcaster that throws on one event blocks the migration there until
// it is resumed (fixed code) or aborted; appends are never held up by a running migration.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { readLogUntil } from '../../activities/datasets/readLogUntil.js';
import { expectedDatasetDigest } from '../support/expectedDigest.js';
import {
  demoUpcasters,
  workOrderBlockedV1ToV2,
} from '../../examples/work-orders/src/demoUpcasters.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient } from '../../eventstore/pool.js';
import type { JsonObject, NewEvent } from '../../eventstore/types.js';
import { defineUpcasters, type UpcasterRegistry } from '../../eventstore/upcasting/upcasters.js';
import { defineFeatureView, type AnyFeatureView, type LogEvent } from '../../ml/featureView.js';
import type { DatasetWorkflow, DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import {
  abortMigrationSignal,
  migrationProgressQuery,
  resumeMigrationSignal,
  undoProgressQuery,
} from '../../workflows/messages.js';
import type { MigrationWorkflowInput } from '../../workflows/operationsInput.js';
import type {
  MigrationProgress,
  MigrationWorkflowResult,
  UpcastMigrationWorkflow,
} from '../../workflows/upcastMigrationWorkflow.js';
import type { UndoMigrationWorkflow } from '../../workflows/undoMigrationWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';
import { sleep, waitFor } from '../support/wait.js';
import { createWorkerFleet, exited } from '../support/workerProcess.js';

const TYPE = 'WorkOrderBlocked';
const OUTCOMES = `hindsight.migrations-${TYPE}`;
/** Legacy orders, each blocked this many times: enough v1 events for a migration of seconds. */
const LEGACY_ORDERS = 40;
const BLOCKS_PER_ORDER = 100;
const REASONS = [
  'waiting for parts',
  'customer unavailable',
  'access denied',
  'waiting for approval',
  'Tür verschlossen – Schlüssel fehlt',
];
const HOUR = 3_600_000;

/** A view that reads the field the migration rewrites: the block's reason code and text. */
const blockReasonView = defineFeatureView<{ lastCode: Map<string, string | null> }>({
  name: 'block_reason_check',
  version: 1,
  featureNames: ['reason_code', 'reason_text', 'after_parts'],
  featureTypes: { reason_code: 'string', reason_text: 'string', after_parts: 'boolean' },
  eventTypes: [TYPE],
  initialState: () => ({ lastCode: new Map() }),
  apply: (state, event, emit) => {
    const id = event.streamId.slice(event.streamId.indexOf('-') + 1);
    const reason = event.data.reason as { code?: unknown; text?: unknown } | string | undefined;
    const code = typeof reason === 'object' && typeof reason.code === 'string' ? reason.code : null;
    const text = typeof reason === 'object' && typeof reason.text === 'string' ? reason.text : null;
    const previous = state.lastCode.get(id);
    if (previous !== undefined) emit.label(id, code === 'parts' ? 1 : 0);
    emit.observe(id, { reason_code: code, reason_text: text, after_parts: previous === 'parts' });
    state.lastCode.set(id, code);
  },
});

interface BlockedRow {
  position: number;
  tx: string;
  eventId: string;
  streamId: string;
  schemaVersion: number;
  /** `data::text`, exactly as PostgreSQL holds it. */
  data: string;
}

let db: TestDatabase;
let temporal: TestTemporal;
let scratch: string;
/** The worker process the crash test kills. */
let firstWorker: ChildProcess;
/** The in-process worker's queue: the test's upcasting store and the two views above. */
let local: string;
/** Every WorkOrderBlocked row before any migration, in commit order. */
let original: BlockedRow[];
/** The rows in scope of a migration (stored at v1), in commit order. */
let v1: BlockedRow[];
const reasonView = blockReasonView;
const views = createFeatureViewRegistry([workOrderOverrunView, reasonView]);
const workers = createWorkerFleet(
  () => db.url,
  () => temporal.taskQueue,
);

const blockedRows = async (): Promise<BlockedRow[]> => {
  const { rows } = await db.pool.query<Record<string, string | number>>(
    `select global_position, tx_id::text as tx, event_id::text as event_id, stream_id,
            schema_version, data::text as data
       from hindsight.events where event_type = $1 order by tx_id, global_position`,
    [TYPE],
  );
  return rows.map((r) => ({
    position: Number(r.global_position),
    tx: String(r.tx),
    eventId: String(r.event_id),
    streamId: String(r.stream_id),
    schemaVersion: Number(r.schema_version),
    data: String(r.data),
  }));
};

const revisionRows = async (migrationId: string): Promise<Omit<BlockedRow, 'streamId'>[]> => {
  const { rows } = await db.pool.query<Record<string, string | number>>(
    `select global_position, tx_id::text as tx, event_id::text as event_id, schema_version,
            data::text as data
       from hindsight.event_revisions where migration_id = $1 order by global_position`,
    [migrationId],
  );
  return rows.map((r) => ({
    position: Number(r.global_position),
    tx: String(r.tx),
    eventId: String(r.event_id),
    schemaVersion: Number(r.schema_version),
    data: String(r.data),
  }));
};

const migrationRow = async (migrationId: string): Promise<Record<string, unknown> | undefined> => {
  const { rows } = await db.pool.query<Record<string, unknown>>(
    `select status, total::int, migrated::int, restored::int, cut_tx::text, error,
            digest_before, digest_after
       from hindsight.migrations where migration_id = $1`,
    [migrationId],
  );
  return rows[0];
};

/** The outcome events a migration left on `hindsight.migrations-WorkOrderBlocked`. */
const outcomesOf = async (migrationId: string): Promise<{ type: string; data: JsonObject }[]> => {
  const slice = await db.store.readStream(OUTCOMES, { limit: 1000 }).catch(() => ({ events: [] }));
  return slice.events
    .map((e) => ({ type: e.type, data: JSON.parse(e.data) as JsonObject }))
    .filter((e) => e.data.migrationId === migrationId);
};

const upcastOf = (row: BlockedRow) => ({
  ...row,
  schemaVersion: 2,
  data: workOrderBlockedV1ToV2(JSON.parse(row.data) as JsonObject),
});

/** The first `count` events in scope are migrated (v2, their upcast); every other row is as captured. */
const expectMigratedPrefix = async (count: number): Promise<void> => {
  const migrated = new Set(v1.slice(0, count).map((r) => r.position));
  const now = await blockedRows();
  expect(now.map((r) => r.position)).toEqual(original.map((r) => r.position));
  expect(now.filter((r) => !migrated.has(r.position))).toEqual(
    original.filter((r) => !migrated.has(r.position)),
  );
  expect(
    now
      .filter((r) => migrated.has(r.position))
      .map((r) => ({ ...r, data: JSON.parse(r.data) as JsonObject })),
  ).toEqual(v1.slice(0, count).map(upcastOf));
};

/** The migration kept exactly the originals of the first `count` events in scope, once each. */
const expectRevisions = async (migrationId: string, count: number): Promise<void> => {
  const kept = v1
    .slice(0, count)
    .map(({ streamId: _streamId, ...row }) => row)
    .sort((a, b) => a.position - b.position);
  expect(await revisionRows(migrationId)).toEqual(kept);
};

const startMigration = (queue: string, input: unknown, workflowId = uniqueId('migration')) =>
  temporal.client.workflow.start<typeof UpcastMigrationWorkflow>(
    WORKFLOW_TYPES.UpcastMigrationWorkflow,
    {
      taskQueue: queue,
      workflowId,
      args: [input as MigrationWorkflowInput],
      workflowExecutionTimeout: '3 minutes',
    },
  );

const undo = async (queue: string, migrationId: string) => {
  const handle = await temporal.client.workflow.start<typeof UndoMigrationWorkflow>(
    WORKFLOW_TYPES.UndoMigrationWorkflow,
    {
      taskQueue: queue,
      workflowId: uniqueId('undo'),
      args: [{ migrationId, batchSize: 700 }],
      workflowExecutionTimeout: '3 minutes',
    },
  );
  const result = await handle.result();
  return { result, progress: await handle.query(undoProgressQuery) };
};

/** The ApplicationFailure a workflow failed with. */
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return applicationFailureOf(error);
};

const progressOf = (handle: WorkflowHandle<typeof UpcastMigrationWorkflow>) =>
  handle.query(migrationProgressQuery);

/** Polls the progress query until `done` holds. */
const progressUntil = async (
  handle: WorkflowHandle<typeof UpcastMigrationWorkflow>,
  done: (progress: MigrationProgress) => boolean,
  what: string,
): Promise<MigrationProgress> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const progress = await progressOf(handle);
    if (done(progress)) return progress;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

/** A registry whose WorkOrderBlocked upcaster throws on one event, and only on it. */
const failingOn = (eventId: string): UpcasterRegistry =>
  defineUpcasters({
    [TYPE]: {
      1: (data, event) => {
        if (event.eventId === eventId) throw new Error(`no reason can be read from ${eventId}`);
        return workOrderBlockedV1ToV2(data);
      },
    },
  });

const storeWith = (upcasters: UpcasterRegistry): EventStore =>
  createEventStore({
    pool: db.pool,
    listenClient: () => createClient(db.url, 'hindsight-test-listen'),
    upcasters,
  });

const datasetsAt = async (
  cut: number,
): Promise<{ overrun: DatasetWorkflowResult; reasons: DatasetWorkflowResult }> => {
  const [overrun, reasons] = await Promise.all(
    [workOrderOverrunView.name, blockReasonView.name].map((view) =>
      temporal.client.workflow.execute<typeof DatasetWorkflow>(WORKFLOW_TYPES.DatasetWorkflow, {
        taskQueue: local,
        workflowId: uniqueId('dataset'),
        // A full replay each time: no view state stored by an earlier dataset is reused.
        args: [{ view, cut, incremental: false }],
        workflowExecutionTimeout: '3 minutes',
      }),
    ),
  );
  return { overrun: overrun as DatasetWorkflowResult, reasons: reasons as DatasetWorkflowResult };
};

/** The digest of a view run here over the log as `store` reads it. */
const localDigest = async (view: AnyFeatureView, store: EventStore, cut: number) => {
  const log: LogEvent[] = [];
  for await (const batch of readLogUntil(store, { cut: { transactionId: cut } })) {
    log.push(...batch.events);
  }
  return expectedDatasetDigest(view, log);
};

const legacyOrder = (index: number): { streamId: string; events: NewEvent[] } => {
  const workOrderId = `WO-L${String(index).padStart(4, '0')}`;
  const start = Date.UTC(2024, 0, 1) + index * 400 * HOUR;
  const events: NewEvent[] = [
    {
      type: 'WorkOrderCreated',
      data: { workOrderId, customerId: 'C001', priority: 'normal', estimatedHours: 4 },
      occurredAt: start,
    },
  ];
  for (let i = 0; i < BLOCKS_PER_ORDER; i += 1) {
    const reason = REASONS[(index + i) % REASONS.length] as string;
    const data: JsonObject = { workOrderId, reason };
    if (i % 7 === 0) data.note = { by: 'dispatcher', urgent: i % 2 === 0 };
    events.push(
      { type: TYPE, data, occurredAt: start + (2 * i + 1) * HOUR },
      { type: 'WorkOrderUnblocked', data: { workOrderId }, occurredAt: start + (2 * i + 2) * HOUR },
    );
  }
  return { streamId: `workorder-${workOrderId}`, events };
};

beforeAll(async () => {
  db = await createTestDatabase({ upcasters: demoUpcasters() });
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-migration-'));
  // A worker process takes seconds to start (it bundles the workflows): it starts meanwhile.
  const starting = workers.start(path.join(scratch, 'worker-1'));
  starting.catch(() => undefined);
  local = uniqueId('local');
  await temporal.startWorker({ views }, local);
  for (const { streamId, event } of generateDemoHistory({
    seed: 31,
    workOrders: 80,
    technicians: 5,
  })) {
    await db.store.append(streamId, [event]);
  }
  for (let i = 0; i < LEGACY_ORDERS; i += 1) {
    const { streamId, events } = legacyOrder(i);
    await db.store.append(streamId, events);
  }
  // Blocks a newer client already wrote at v2: never in a migration's scope.
  await db.store.append('workorder-WO-V2', [
    { type: 'WorkOrderCreated', data: { workOrderId: 'WO-V2', priority: 'high' } },
    ...['parts', 'access'].map((code) => ({
      type: TYPE,
      schemaVersion: 2,
      data: { workOrderId: 'WO-V2', reason: { code, text: `v2 ${code}` } },
    })),
  ]);
  original = await blockedRows();
  v1 = original.filter((r) => r.schemaVersion === 1);
  firstWorker = await starting;
});

afterAll(async () => {
  await workers.killAll();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a dry run', () => {
  it('reports counts by version and before/after samples, and writes nothing', async () => {
    expect(v1.length).toBeGreaterThan(LEGACY_ORDERS * BLOCKS_PER_ORDER);
    const before = await db.snapshot();
    const handle = await startMigration(local, {
      eventType: TYPE,
      toVersion: 2,
      dryRun: true,
      sampleSize: 3,
    });
    const result = await handle.result();
    expect(result).toMatchObject({ dryRun: true, migrated: 0, verification: null });
    const report = result.report;
    expect(report).toMatchObject({
      eventType: TYPE,
      toVersion: 2,
      total: v1.length,
      byVersion: { '1': v1.length },
      upToDate: original.length - v1.length,
      upcast: v1.length,
      failure: null,
    });
    expect(report?.upToDate).toBe(2);
    expect(report?.samples).toEqual(
      v1.slice(0, 3).map((row) => ({
        eventId: row.eventId,
        streamId: row.streamId,
        globalPosition: row.position,
        fromVersion: 1,
        before: JSON.parse(row.data) as JsonObject,
        after: workOrderBlockedV1ToV2(JSON.parse(row.data) as JsonObject),
      })),
    );
    expect(report?.samples[0]?.after.reason).toEqual({
      code: expect.stringMatching(/^[a-z]+$/) as string,
      text: (JSON.parse(v1[0]?.data ?? '{}') as JsonObject).reason,
    });
    expect(await progressOf(handle)).toMatchObject({
      stage: 'done',
      dryRun: true,
      total: v1.length,
      percent: 100,
      blockedAt: null,
    });
    expect(await db.snapshot()).toBe(before);
  });
});

describe('a bad request', () => {
  it('for an event type without upcasters fails UNKNOWN_EVENT_TYPE naming it, writing nothing', async () => {
    const before = await db.snapshot();
    const workflowId = uniqueId('migration-unknown');
    const handle = await startMigration(
      local,
      { eventType: 'InvoiceSent', toVersion: 2 },
      workflowId,
    );
    const cause = await failureOf(handle.result());
    expect(cause).toMatchObject({ type: 'UNKNOWN_EVENT_TYPE', nonRetryable: true });
    expect(cause?.message).toContain("event type 'InvoiceSent' has no upcasters");
    expect(await migrationRow(workflowId)).toBeUndefined();
    expect(await db.snapshot()).toBe(before);
  });

  it('for a version no upcaster reaches fails MISSING_STEP naming the missing step', async () => {
    const before = await db.snapshot();
    const handle = await startMigration(local, { eventType: TYPE, toVersion: 3 });
    const cause = await failureOf(handle.result());
    expect(cause).toMatchObject({ type: 'MISSING_STEP', nonRetryable: true });
    expect(cause?.message).toContain('no upcaster from v2 to v3');
    expect(await db.snapshot()).toBe(before);
  });

  it('that is malformed fails INVALID_ARGUMENT naming the field, writing nothing', async () => {
    const before = await db.snapshot();
    const cases: [unknown, string][] = [
      [{ eventType: TYPE }, 'toVersion: '],
      [{ eventType: TYPE, toVersion: 2, batchSize: 0 }, 'batchSize: '],
      [{ eventType: TYPE, toVersion: 2, colour: 'red' }, 'colour: is not a field'],
      [{ eventType: 'Work Order Blocked', toVersion: 2 }, 'eventType: '],
    ];
    const causes = await Promise.all(
      cases.map(async ([input]) => failureOf((await startMigration(local, input)).result())),
    );
    causes.forEach((cause, i) => {
      expect(cause).toMatchObject({ type: 'INVALID_ARGUMENT', nonRetryable: true });
      expect(cause?.message.startsWith(cases[i]?.[1] ?? '?')).toBe(true);
    });
    expect(await db.snapshot()).toBe(before);
  });

  it('undoing a migration that does not exist fails MIGRATION_NOT_FOUND, writing nothing', async () => {
    const before = await db.snapshot();
    const cause = await failureOf(undo(local, 'migration-nobody-ran'));
    expect(cause).toMatchObject({ type: 'MIGRATION_NOT_FOUND', nonRetryable: true });
    expect(cause?.message).toContain("'migration-nobody-ran'");
    expect(await db.snapshot()).toBe(before);
  });
});

describe('a migration whose worker process is killed midway', () => {
  let cut: number;
  let migrationId: string;
  let result: MigrationWorkflowResult;
  let before: { overrun: DatasetWorkflowResult; reasons: DatasetWorkflowResult };

  /** The reason view's digest over the log as stored now, read without upcasting. */
  let rawReasonsDigest: string;

  beforeAll(async () => {
    cut = (await db.store.cut()).transactionId;
    before = await datasetsAt(cut);
    const raw = storeWith(defineUpcasters({}));
    try {
      rawReasonsDigest = await localDigest(reasonView, raw, cut);
    } finally {
      await raw.close();
    }
  });

  it(
    'completes on another worker: each event migrated once, its original kept',
    {
      timeout: 90_000,
    },
    async () => {
      const first = firstWorker;
      migrationId = uniqueId('migration-crash');
      const handle = await startMigration(
        temporal.taskQueue,
        { eventType: TYPE, toVersion: 2, batchSize: 20, heartbeatTimeoutMs: 3000 },
        migrationId,
      );
      // Kill it once some batches are committed and most are still to come.
      const migratedNow = async () => Number((await migrationRow(migrationId))?.migrated ?? 0);
      for (let i = 0; i < 1500 && (await migratedNow()) < 200; i += 1) await sleep(20);
      first.kill('SIGKILL');
      await exited(first);
      const atKill = await migrationRow(migrationId);
      expect(atKill).toMatchObject({ status: 'running', total: v1.length });
      expect(Number(atKill?.migrated)).toBeGreaterThan(0);
      expect(Number(atKill?.migrated)).toBeLessThan(v1.length);
      await workers.start(path.join(scratch, 'worker-2'));
      result = await handle.result();
      expect(result).toMatchObject({
        migrationId,
        dryRun: false,
        report: null,
        migrated: v1.length,
      });
      expect(result.verification).toMatchObject({
        ok: true,
        revisions: v1.length,
        remaining: 0,
        mismatches: [],
      });
      expect(result.verification?.digestAfter).toBe(result.verification?.digestBefore);

      await expectMigratedPrefix(v1.length);
      await expectRevisions(migrationId, v1.length);
      expect(await migrationRow(migrationId)).toMatchObject({
        status: 'completed',
        total: v1.length,
        migrated: v1.length,
        error: null,
        digest_before: result.verification?.digestBefore,
        digest_after: result.verification?.digestBefore,
      });
      const outcomes = await outcomesOf(migrationId);
      expect(outcomes.map((e) => e.type)).toEqual(['MigrationCompleted']);
      expect(outcomes[0]?.data).toMatchObject({
        eventType: TYPE,
        toVersion: 2,
        total: v1.length,
        migrated: v1.length,
        digestBefore: result.verification?.digestBefore,
        workflowId: migrationId,
      });
      expect(await progressOf(handle)).toMatchObject({
        stage: 'done',
        percent: 100,
        migrated: v1.length,
        total: v1.length,
      });

      // The attempt that died was retried (not scheduled again) and resumed at the cursor.
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'migrateEvents',
      );
      expect(scheduled).toHaveLength(1);
      const attempts = events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    },
  );

  it('leaves datasets at a cut before it with the same digests', async () => {
    expect(result.verification?.ok).toBe(true);
    const after = await datasetsAt(cut);
    expect(after.overrun?.digest).toBe(before.overrun?.digest);
    expect(after.reasons?.digest).toBe(before.reasons?.digest);
    // The reason view really reads the rewritten field: it observed every block, and the v1
    // payloads as stored before the migration, read without upcasting, give other rows.
    expect(before.reasons?.manifest.rows).toBe(original.length);
    expect(await localDigest(reasonView, db.store, cut)).toBe(before.reasons?.digest);
    expect(rawReasonsDigest).not.toBe(before.reasons?.digest);
  });

  it('is undone: every row back exactly as stored before, MigrationUndone recorded', async () => {
    const { result: undone, progress } = await undo(local, migrationId);
    expect(undone).toEqual({ migrationId, restored: v1.length });
    expect(progress).toMatchObject({ stage: 'done', percent: 100, restored: v1.length });
    expect(await blockedRows()).toEqual(original);
    expect(await migrationRow(migrationId)).toMatchObject({
      status: 'undone',
      restored: v1.length,
    });
    expect((await outcomesOf(migrationId)).map((e) => e.type)).toEqual([
      'MigrationCompleted',
      'MigrationUndone',
    ]);
  });

  it('leaves datasets at the cut with the same digests after the undo', async () => {
    const undone = await datasetsAt(cut);
    expect(undone.overrun?.digest).toBe(before.overrun?.digest);
    expect(undone.reasons?.digest).toBe(before.reasons?.digest);
  });

  it('refuses its id for a new run, recording no false failure', async () => {
    const snapshot = await db.snapshot();
    const cause = await failureOf(
      startMigration(local, { eventType: TYPE, toVersion: 2 }, migrationId).then((handle) =>
        handle.result(),
      ),
    );
    expect(cause).toMatchObject({ type: 'MIGRATION_STATE', nonRetryable: true });
    expect(cause?.message).toContain(`migration id '${migrationId}' was used already`);
    expect(await migrationRow(migrationId)).toMatchObject({ status: 'undone' });
    expect(await db.snapshot()).toBe(snapshot);
  });
});

describe('an upcaster that throws on one event', () => {
  it('blocks the migration at that event until a fixed upcaster is deployed and it is resumed', async () => {
    const badIndex = 1234;
    const bad = v1[badIndex] as BlockedRow;
    const queue = uniqueId('faulty');
    const faultyStore = storeWith(failingOn(bad.eventId));
    const faulty = await temporal.startWorker({ store: faultyStore, views }, queue);

    // A dry run finds it first, and writes nothing.
    const before = await db.snapshot();
    const dry = await (
      await startMigration(queue, { eventType: TYPE, toVersion: 2, dryRun: true })
    ).result();
    expect(dry.report).toMatchObject({ upcast: badIndex, failure: { eventId: bad.eventId } });
    expect(await db.snapshot()).toBe(before);

    const migrationId = uniqueId('migration-blocked');
    const handle = await startMigration(
      queue,
      { eventType: TYPE, toVersion: 2, batchSize: 500 },
      migrationId,
    );
    const blocked = await progressUntil(handle, (p) => p.stage === 'blocked', 'blocked');
    expect(blocked.blockedAt).toEqual({
      eventId: bad.eventId,
      streamId: bad.streamId,
      globalPosition: bad.position,
      schemaVersion: 1,
      message: expect.stringContaining(`no reason can be read from ${bad.eventId}`) as string,
    });
    expect(blocked.migrated).toBe(badIndex);
    expect(blocked.error).toContain(`migration stopped at event ${bad.eventId}`);
    await expectMigratedPrefix(badIndex);
    await expectRevisions(migrationId, badIndex);
    expect(await migrationRow(migrationId)).toMatchObject({
      status: 'running',
      migrated: badIndex,
      error: expect.stringContaining(`stopped at event ${bad.eventId}`) as string,
    });
    // It waits: not retried by Temporal, nothing more written.
    await sleep(1500);
    expect((await progressOf(handle)).stage).toBe('blocked');
    await expectRevisions(migrationId, badIndex);

    faulty.shutdown();
    await waitFor(() => faulty.getState() === 'STOPPED', 30_000, 'the faulty worker to stop');
    await faultyStore.close();
    await temporal.startWorker({ views }, queue);
    await handle.signal(resumeMigrationSignal);
    const result = await handle.result();
    expect(result).toMatchObject({ migrationId, migrated: v1.length });
    expect(result.verification).toMatchObject({ ok: true, revisions: v1.length, remaining: 0 });
    await expectMigratedPrefix(v1.length);
    await expectRevisions(migrationId, v1.length);
    expect(await migrationRow(migrationId)).toMatchObject({ status: 'completed', error: null });
    expect((await outcomesOf(migrationId)).map((e) => e.type)).toEqual(['MigrationCompleted']);

    const { result: undone } = await undo(queue, migrationId);
    expect(undone.restored).toBe(v1.length);
    expect(await blockedRows()).toEqual(original);
  });

  it('ends the migration failed on abort; undo restores the migrated prefix', async () => {
    const badIndex = 321;
    const bad = v1[badIndex] as BlockedRow;
    const queue = uniqueId('faulty');
    const faultyStore = storeWith(failingOn(bad.eventId));
    try {
      await temporal.startWorker({ store: faultyStore, views }, queue);
      const migrationId = uniqueId('migration-aborted');
      const handle = await startMigration(
        queue,
        { eventType: TYPE, toVersion: 2, batchSize: 100 },
        migrationId,
      );
      await progressUntil(handle, (p) => p.stage === 'blocked', 'blocked');
      await handle.signal(abortMigrationSignal, 'the operator gave up');
      const cause = await failureOf(handle.result());
      expect(cause).toMatchObject({ type: 'MIGRATION_ABORTED', nonRetryable: true });
      expect(cause?.message).toContain('the operator gave up');
      expect(cause?.message).toContain(bad.eventId);
      expect(await progressOf(handle)).toMatchObject({ stage: 'failed', migrated: badIndex });
      expect(await migrationRow(migrationId)).toMatchObject({
        status: 'failed',
        migrated: badIndex,
        error: expect.stringContaining('the operator gave up') as string,
      });
      expect((await outcomesOf(migrationId)).map((e) => e.type)).toEqual(['MigrationFailed']);
      await expectMigratedPrefix(badIndex);
      await expectRevisions(migrationId, badIndex);

      const { result: undone } = await undo(queue, migrationId);
      expect(undone.restored).toBe(badIndex);
      expect(await blockedRows()).toEqual(original);
      expect(await migrationRow(migrationId)).toMatchObject({ status: 'undone' });
    } finally {
      await faultyStore.close();
    }
  });
});

describe('appends during a migration', () => {
  it('are not held up; events after its cut stay stored at v1 and read as v2', async () => {
    const migrationId = uniqueId('migration-live');
    const appended: { streamId: string; eventId: string; tx: number; data: JsonObject }[] = [];
    const latencies: number[] = [];
    let overlapping = 0;
    let stop = false;
    const appending = (async () => {
      const deadline = Date.now() + 45_000;
      for (let i = 0; !stop && Date.now() < deadline; i += 1) {
        const workOrderId = `WO-LIVE${i}`;
        // A new order, and a new block on an order whose rows the migration is rewriting.
        const legacy = `workorder-WO-L${String(i % LEGACY_ORDERS).padStart(4, '0')}`;
        for (const [streamId, events] of [
          [
            `workorder-${workOrderId}`,
            [
              { type: 'WorkOrderCreated', data: { workOrderId } },
              { type: TYPE, data: { workOrderId, reason: 'access denied' } },
            ],
          ],
          [legacy, [{ type: TYPE, data: { workOrderId: legacy, reason: 'waiting for parts' } }]],
        ] as [string, NewEvent[]][]) {
          const started = performance.now();
          const result = await db.store.append(streamId, events);
          latencies.push(performance.now() - started);
          const block = events.at(-1) as NewEvent;
          appended.push({
            streamId,
            eventId: result.eventIds.at(-1) as string,
            tx: result.transactionId,
            data: block.data as JsonObject,
          });
        }
        const row = await migrationRow(migrationId);
        const migrated = Number(row?.migrated ?? 0);
        if (row?.status === 'running' && migrated > 0 && migrated < Number(row.total)) {
          overlapping += 1;
        }
        await sleep(10);
      }
    })();
    const result = await startMigration(
      temporal.taskQueue,
      { eventType: TYPE, toVersion: 2, batchSize: 20, heartbeatTimeoutMs: 5000 },
      migrationId,
    )
      .then((handle) => handle.result())
      .finally(() => {
        stop = true;
      });
    await appending;

    expect(result.verification).toMatchObject({ ok: true, remaining: 0 });
    expect(overlapping).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(2000);
    const row = await migrationRow(migrationId);
    const migrationCut = Number(row?.cut_tx);
    const afterCut = appended.filter((e) => e.tx >= migrationCut);
    expect(afterCut.length).toBeGreaterThanOrEqual(overlapping);
    const stored = new Map((await blockedRows()).map((r) => [r.eventId, r]));
    for (const event of appended) {
      const raw = stored.get(event.eventId);
      if (event.tx >= migrationCut) {
        expect(raw?.schemaVersion).toBe(1);
        expect(JSON.parse(raw?.data ?? 'null')).toEqual(event.data);
        const read = (await db.store.readStream(event.streamId, { limit: 10_000 })).events.find(
          (e) => e.eventId === event.eventId,
        );
        expect(read?.schemaVersion).toBe(2);
        expect(JSON.parse(read?.data ?? 'null')).toEqual(workOrderBlockedV1ToV2(event.data));
      } else {
        expect(raw?.schemaVersion).toBe(2);
      }
    }
    expect(row).toMatchObject({ status: 'completed', migrated: result.migrated });
  });
});
