// The Operations gRPC service on the real stack (PostgreSQL, Temporal, an in-process worker): a
// dry run reports and writes nothing; a migration rewrites WorkOrderBlocked v1 to v2 with equal
// digests and reads return v2; undo restores the stored rows exactly; a migration blocked on an
// event its upcaster fails on waits for resume or abort; snapshot runs, statistics, snapshot
// reads and the snapshot schedule; bad requests get precise statuses and write nothing.
import { credentials, status } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInAggregates } from '../../runtime/builtIns.js';
import { operationsCalls, type OperationsCalls } from '../support/grpcCalls.js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import { demoUpcasters } from '../../examples/work-orders/src/demoUpcasters.js';
import { createEventStore } from '../../eventstore/eventStore.js';
import { createClient } from '../../eventstore/pool.js';
import type { NewEvent } from '../../eventstore/types.js';
import {
  MigrationStatus,
  OperationsClient,
  type Migration,
} from '../../gen/hindsight/v1/operations.js';
import { createPipelineSchedules } from '../../services/schedules/index.js';
import { SNAPSHOT_SCHEDULE_ID } from '../../services/schedules/snapshotSchedule.js';
import type { SnapshotProgress } from '../../workflows/snapshotWorkflow.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { hindsight } from '../support/processes.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { rejectionOf, sleep } from '../support/wait.js';

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let client: OperationsClient;
let ops: OperationsCalls;

const LONG = ['workorder-OPS-1', 'workorder-OPS-2', 'workorder-OPS-3'];
const SHORT = ['workorder-OPS-4', 'workorder-OPS-5', 'workorder-OPS-6'];
/** Outside the work-order category: snapshot runs never load it. */
const BAD_STREAM = 'legacy-BAD-1';
const BLOCKED_EVENTS = 12;

const blocked = (workOrderId: string): NewEvent => ({
  type: 'WorkOrderBlocked',
  schemaVersion: 1,
  data: { workOrderId, reason: 'waiting for parts' },
});

/** 25 events for a long stream (past the work-order policy of 20), 5 for a short one. */
const historyOf = (streamId: string, long: boolean): NewEvent[] => {
  const id = streamId.slice('workorder-'.length);
  const events: NewEvent[] = [
    {
      type: 'WorkOrderCreated',
      data: { workOrderId: id, customerId: 'C-1', priority: 'high', estimatedHours: 8 },
    },
    { type: 'WorkOrderAssigned', data: { workOrderId: id, technicianId: 'T-7' } },
    blocked(id),
    { type: 'WorkOrderUnblocked', data: { workOrderId: id } },
    blocked(id),
  ];
  if (long) {
    events.push({ type: 'WorkOrderUnblocked', data: { workOrderId: id } });
    for (let i = 0; i < 19; i++) events.push({ type: 'WorkLogged', data: { hours: 0.5 } });
  }
  return events;
};

const storedBlockedRows = async (): Promise<string[]> => {
  const { rows } = await db.pool.query<{ row: string }>(
    `select global_position || ' v' || schema_version || ' ' || data::text as row
       from hindsight.events where event_type = 'WorkOrderBlocked' order by global_position`,
  );
  return rows.map((r) => r.row);
};

const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const get = async (migrationId: string): Promise<Migration> => {
  const { migration } = await ops.getMigration({ migrationId });
  if (!migration) throw new Error(`no migration in the answer for ${migrationId}`);
  return migration;
};

const finished = (migrationId: string) =>
  until(`migration ${migrationId} to finish`, async () => {
    const m = await get(migrationId);
    return m.workflowStatus === 'RUNNING' ? undefined : m;
  });

const start = (request: Partial<Parameters<OperationsCalls['startMigration']>[0]>) =>
  ops.startMigration({
    eventType: 'WorkOrderBlocked',
    toVersion: 2,
    dryRun: false,
    batchSize: 0,
    sampleSize: undefined,
    migrationId: '',
    ...request,
  });

const readStream = (
  streamId: string,
  extra: { snapshotAggregate?: string; fromVersion?: number },
) =>
  server.calls.readStream({
    streamId,
    direction: 0,
    fromVersion: extra.fromVersion ?? 0,
    limit: 0,
    snapshotAggregate: extra.snapshotAggregate ?? '',
    skipUpcastFailures: false,
  });

beforeAll(async () => {
  db = await createTestDatabase({ upcasters: demoUpcasters() });
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const streamId of LONG) await db.store.append(streamId, historyOf(streamId, true));
  for (const streamId of SHORT) await db.store.append(streamId, historyOf(streamId, false));
  const aggregates = builtInAggregates();
  server = await startTestServer(db.store, {
    snapshots: { aggregates, sql: db.pool },
    platform: {
      pipelines: {
        client: temporal.client,
        namespace: 'default',
        taskQueue: temporal.taskQueue,
        views: builtInViewRegistry(),
        schedules: createPipelineSchedules(temporal.client.schedule, {
          taskQueue: temporal.taskQueue,
        }),
      },
      models: { store: db.store, mlflow: temporal.mlflow },
      operations: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        sql: db.pool,
        store: db.store,
        aggregates,
      },
    },
  });
  client = new OperationsClient(server.address, credentials.createInsecure());
  ops = operationsCalls(client);
});

afterAll(async () => {
  await temporal?.client.schedule
    .getHandle(SNAPSHOT_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  client?.close();
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

describe('Operations over gRPC', () => {
  let migrationId = '';
  let originals: string[] = [];

  it('a dry run reports counts and before/after samples, and writes nothing', async () => {
    const before = await db.snapshot();
    const { migrationId: dryRunId } = await start({ dryRun: true, sampleSize: 3 });
    expect(dryRunId).toMatch(/^migration-WorkOrderBlocked-[0-9a-f]{12}$/);
    const done = await finished(dryRunId);
    expect(done).toMatchObject({
      dryRun: true,
      recorded: false,
      status: MigrationStatus.MIGRATION_STATUS_COMPLETED,
      workflowStatus: 'COMPLETED',
      stage: 'done',
      eventType: 'WorkOrderBlocked',
      toVersion: 2,
      total: BLOCKED_EVENTS,
    });
    expect(done.report).toMatchObject({
      total: BLOCKED_EVENTS,
      byVersion: { 1: BLOCKED_EVENTS },
      upToDate: 0,
      upcast: BLOCKED_EVENTS,
      failure: undefined,
    });
    expect(done.report?.samples).toHaveLength(3);
    const sample = done.report?.samples[0];
    expect(JSON.parse(sample?.beforeJson.toString() ?? '')).toMatchObject({
      reason: 'waiting for parts',
    });
    expect(JSON.parse(sample?.afterJson.toString() ?? '')).toMatchObject({
      reason: { code: 'parts', text: 'waiting for parts' },
    });
    expect(await db.snapshot()).toBe(before);
    expect((await ops.listMigrations({ eventType: '', pageSize: 0 })).migrations).toEqual([]);
  });

  it('a migration rewrites the stored rows with equal digests, and reads return v2', async () => {
    originals = await storedBlockedRows();
    expect(originals.every((row) => row.includes(' v1 '))).toBe(true);
    migrationId = uniqueId('mig');
    expect((await start({ migrationId, batchSize: 5 })).migrationId).toBe(migrationId);
    const done = await finished(migrationId);
    expect(done).toMatchObject({
      recorded: true,
      dryRun: false,
      status: MigrationStatus.MIGRATION_STATUS_COMPLETED,
      workflowStatus: 'COMPLETED',
      stage: 'done',
      percent: 100,
      total: BLOCKED_EVENTS,
      migrated: BLOCKED_EVENTS,
      error: '',
    });
    expect(done.digestBefore).toMatch(/^[0-9a-f]{64}$/);
    expect(done.digestAfter).toBe(done.digestBefore);
    expect(done.finishedAtMs).toBeGreaterThan(0);
    const stored = await storedBlockedRows();
    expect(stored.every((row) => row.includes(' v2 '))).toBe(true);
    const { events } = await readStream(LONG[0]!, {});
    const blockedEvent = events.find((e) => e.type === 'WorkOrderBlocked');
    expect(blockedEvent?.schemaVersion).toBe(2);
    expect(JSON.parse(blockedEvent?.data.toString() ?? '')).toMatchObject({
      reason: { code: 'parts' },
    });
    const listed = await ops.listMigrations({ eventType: 'WorkOrderBlocked', pageSize: 10 });
    expect(listed.migrations.map((m) => m.migrationId)).toEqual([migrationId]);
  });

  it('refuses bad requests with precise statuses, writing nothing', async () => {
    const cases: [string, () => Promise<unknown>, status, string][] = [
      [
        'unknown event type',
        () => start({ eventType: 'NoSuchEvent' }),
        status.INVALID_ARGUMENT,
        "event type 'NoSuchEvent' has no upcasters (types with upcasters: WorkOrderBlocked)",
      ],
      [
        'a version beyond the latest',
        () => start({ toVersion: 3 }),
        status.INVALID_ARGUMENT,
        "event type 'WorkOrderBlocked' has no upcaster from v2 to v3",
      ],
      [
        'version 1',
        () => start({ toVersion: 1 }),
        status.INVALID_ARGUMENT,
        'to_version must be an integer of at least 2',
      ],
      ['no event type', () => start({ eventType: '' }), status.INVALID_ARGUMENT, 'event_type'],
      [
        'a batch too large',
        () => start({ batchSize: 20_000 }),
        status.INVALID_ARGUMENT,
        'batch_size: must be from 1 to 10000',
      ],
      [
        'too many samples',
        () => start({ dryRun: true, sampleSize: 101 }),
        status.INVALID_ARGUMENT,
        'sample_size',
      ],
      [
        'a malformed id',
        () => start({ migrationId: 'bad id!' }),
        status.INVALID_ARGUMENT,
        'migration_id',
      ],
      [
        'an id taken',
        () => start({ dryRun: true, migrationId }),
        status.ALREADY_EXISTS,
        migrationId,
      ],
      [
        'get, malformed id',
        () => get('bad id!'),
        status.NOT_FOUND,
        "migration 'bad id!' not found",
      ],
      ['get, unknown id', () => get('migration-nope'), status.NOT_FOUND, 'migration-nope'],
      [
        'list, page too large',
        () => ops.listMigrations({ eventType: '', pageSize: 500 }),
        status.INVALID_ARGUMENT,
        'page_size',
      ],
      [
        'resume, unknown',
        () => ops.resumeMigration({ migrationId: 'migration-nope' }),
        status.NOT_FOUND,
        'migration-nope',
      ],
      [
        'resume, not blocked',
        () => ops.resumeMigration({ migrationId }),
        status.FAILED_PRECONDITION,
        'not blocked',
      ],
      [
        'abort, not blocked',
        () => ops.abortMigration({ migrationId, reason: 'test' }),
        status.FAILED_PRECONDITION,
        'not blocked',
      ],
      [
        'undo, unknown',
        () => ops.undoMigration({ migrationId: 'migration-nope', batchSize: 0 }),
        status.NOT_FOUND,
        'migration-nope',
      ],
      [
        'undo, batch too large',
        () => ops.undoMigration({ migrationId, batchSize: 10_001 }),
        status.INVALID_ARGUMENT,
        'batch_size',
      ],
      [
        'snapshots of an unknown aggregate',
        () => ops.startSnapshots({ aggregateTypes: ['no-such-thing'] }),
        status.INVALID_ARGUMENT,
        "aggregate type 'no-such-thing' is unknown (known: work-order)",
      ],
      [
        'stats of an unknown aggregate',
        () => ops.getSnapshotStats({ aggregateTypes: ['no-such-thing'] }),
        status.INVALID_ARGUMENT,
        'known: work-order',
      ],
      [
        'a snapshot interval too short',
        () => ops.scheduleSnapshots({ intervalSeconds: 30, paused: true }),
        status.INVALID_ARGUMENT,
        'interval_seconds',
      ],
      [
        'a snapshot read of an unknown aggregate',
        () => readStream(LONG[0]!, { snapshotAggregate: 'no-such-thing' }),
        status.INVALID_ARGUMENT,
        'known: work-order',
      ],
      [
        'a snapshot read from a version',
        () => readStream(LONG[0]!, { snapshotAggregate: 'work-order', fromVersion: 2 }),
        status.INVALID_ARGUMENT,
        'snapshot_aggregate',
      ],
      [
        'a snapshot read of an unknown stream',
        () => readStream('workorder-nope', { snapshotAggregate: 'work-order' }),
        status.NOT_FOUND,
        'workorder-nope',
      ],
    ];
    const before = await db.snapshot();
    for (const [name, request, code, text] of cases) {
      const error = await rejectionOf(request());
      expect({ name, code: error.code, details: error.details }).toMatchObject({ name, code });
      expect(error.details).toContain(text);
    }
    expect(await db.snapshot()).toBe(before);
  });

  it('undo puts back the stored rows exactly, and is refused a second time', async () => {
    const { workflowId } = await ops.undoMigration({ migrationId, batchSize: 4 });
    expect(workflowId).toBe(`undo-${migrationId}`);
    const undone = await until('the undo to finish', async () => {
      const m = await get(migrationId);
      return m.undo && m.undo.workflowStatus !== 'RUNNING' ? m : undefined;
    });
    expect(undone).toMatchObject({
      status: MigrationStatus.MIGRATION_STATUS_UNDONE,
      restored: BLOCKED_EVENTS,
      undo: { workflowStatus: 'COMPLETED', stage: 'done', restored: BLOCKED_EVENTS, failure: '' },
    });
    expect(await storedBlockedRows()).toEqual(originals);
    const again = await rejectionOf(ops.undoMigration({ migrationId, batchSize: 0 }));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.details).toContain('is undone');
  });

  it('a migration blocked on a failing upcast waits for resume or abort', async () => {
    // v1 with a number for a reason: the demo upcaster refuses it, so this server refuses to
    // append it; an older one, without the upcaster, let it in.
    const older = createEventStore({
      pool: db.pool,
      listenClient: () => createClient(db.url, 'older-server-listen'),
    });
    try {
      await older.append(BAD_STREAM, [
        { type: 'WorkOrderBlocked', schemaVersion: 1, data: { workOrderId: 'BAD-1', reason: 42 } },
      ]);
    } finally {
      await older.close();
    }
    const stuckId = uniqueId('stuck');
    await start({ migrationId: stuckId, batchSize: 5 });
    const stuck = await until('the migration to block', async () => {
      const m = await get(stuckId);
      return m.stage === 'blocked' ? m : undefined;
    });
    expect(stuck).toMatchObject({
      status: MigrationStatus.MIGRATION_STATUS_RUNNING,
      workflowStatus: 'RUNNING',
      migrated: BLOCKED_EVENTS,
      blockedAt: { streamId: BAD_STREAM, schemaVersion: 1 },
    });
    expect(stuck.blockedAt?.message).toContain('needs a text reason');

    const before = await db.snapshot();
    const second = await rejectionOf(start({}));
    expect(second.code).toBe(status.FAILED_PRECONDITION);
    expect(second.details).toContain(`has a migration running already: '${stuckId}'`);
    const undoRunning = await rejectionOf(
      ops.undoMigration({ migrationId: stuckId, batchSize: 0 }),
    );
    expect(undoRunning.code).toBe(status.FAILED_PRECONDITION);
    expect(undoRunning.details).toContain('is running');
    expect(await db.snapshot()).toBe(before);

    // The same upcaster fails the same way: resumed, it blocks again.
    await ops.resumeMigration({ migrationId: stuckId });
    await until('the resumed migration to block again', async () => {
      const m = await get(stuckId);
      return m.stage === 'blocked' ? m : undefined;
    });
    await ops.abortMigration({ migrationId: stuckId, reason: 'bad legacy data' });
    const aborted = await finished(stuckId);
    expect(aborted).toMatchObject({
      status: MigrationStatus.MIGRATION_STATUS_FAILED,
      workflowStatus: 'FAILED',
      stage: 'failed',
    });
    expect(aborted.error).toContain('bad legacy data');
    const late = await rejectionOf(ops.resumeMigration({ migrationId: stuckId }));
    expect(late.code).toBe(status.FAILED_PRECONDITION);

    // A failed migration can be undone: the rows it migrated before the block are v1 again.
    await ops.undoMigration({ migrationId: stuckId, batchSize: 0 });
    const undone = await until('the undo of the aborted migration', async () => {
      const m = await get(stuckId);
      return m.undo && m.undo.workflowStatus !== 'RUNNING' ? m : undefined;
    });
    expect(undone.status).toBe(MigrationStatus.MIGRATION_STATUS_UNDONE);
    expect((await storedBlockedRows()).slice(0, BLOCKED_EVENTS)).toEqual(originals);
  });

  it('a snapshot run snapshots the long streams; stats and snapshot reads show them', async () => {
    const { workflowId } = await ops.startSnapshots({ aggregateTypes: [] });
    expect(workflowId).toMatch(/^snapshot-[0-9a-f]{12}$/);
    const run = await until('the snapshot run to finish', async () => {
      const current = await ops.getSnapshotRun({ workflowId });
      return current.workflowStatus === 'RUNNING' ? undefined : current;
    });
    expect(run).toMatchObject({ workflowStatus: 'COMPLETED', stage: 'done', failure: '' });
    const progress = JSON.parse(run.progressJson.toString()) as SnapshotProgress;
    expect(progress.aggregates).toMatchObject([
      { aggregateType: 'work-order', scanned: 6, due: 3, written: 3, done: true },
    ]);

    const stats = await ops.getSnapshotStats({ aggregateTypes: [] });
    expect(stats.aggregates).toMatchObject([
      {
        aggregateType: 'work-order',
        category: 'workorder',
        streams: 6,
        snapshotted: 3,
        due: 0,
        stale: 0,
        everyEvents: 20,
      },
    ]);
    expect(stats.aggregates[0]?.lastSnapshotAtMs).toBeGreaterThan(0);

    const [stream] = LONG as [string];
    await db.store.append(stream, [
      { type: 'WorkLogged', data: { hours: 2 } },
      { type: 'WorkOrderCompleted', data: { late: false } },
    ]);
    const read = await readStream(stream, { snapshotAggregate: 'work-order' });
    expect(read.snapshot).toMatchObject({
      aggregateType: 'work-order',
      streamVersion: 25,
      stateSchemaVersion: 1,
    });
    expect(read.snapshot?.codeHash).toBe(builtInAggregates().get('work-order').codeHash);
    expect(JSON.parse(read.snapshot?.state.toString() ?? '')).toMatchObject({
      workOrderId: 'OPS-1',
      hoursLogged: 9.5,
      blocks: { parts: 2 },
    });
    expect(read.events.map((e) => [e.streamVersion, e.type])).toEqual([
      [26, 'WorkLogged'],
      [27, 'WorkOrderCompleted'],
    ]);
    expect(read.streamVersion).toBe(27);

    const short = await readStream(SHORT[0]!, { snapshotAggregate: 'work-order' });
    expect(short.snapshot).toBeUndefined();
    expect(short.events).toHaveLength(5);
  });

  it('ScheduleSnapshots creates the schedule, then changes it; stats report it', async () => {
    await temporal.client.schedule
      .getHandle(SNAPSHOT_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    // Paused, so that it never fires during the test.
    const created = await ops.scheduleSnapshots({ intervalSeconds: 3600, paused: true });
    expect(created).toMatchObject({
      created: true,
      schedule: { scheduleId: SNAPSHOT_SCHEDULE_ID, intervalSeconds: 3600, paused: true },
    });
    const changed = await ops.scheduleSnapshots({ intervalSeconds: 7200 });
    expect(changed).toMatchObject({
      created: false,
      schedule: { intervalSeconds: 7200, paused: true },
    });
    const description = await temporal.client.schedule.getHandle(SNAPSHOT_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({
      workflowType: 'SnapshotWorkflow',
      taskQueue: temporal.taskQueue,
    });
    expect(description.policies.overlap).toBe('SKIP');
    const stats = await ops.getSnapshotStats({ aggregateTypes: ['work-order'] });
    expect(stats.schedule).toMatchObject({ intervalSeconds: 7200, paused: true });
    expect(stats.scheduleError).toBe('');
  });

  it('without Temporal, stats and the list still answer; workflow calls are UNAVAILABLE', async () => {
    // No retry interceptor: the refusal comes at once instead of after the client's backoff.
    const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    const offline = await startTestServer(db.store, {
      platform: {
        pipelines: {
          client: temporal.client,
          namespace: 'default',
          taskQueue: temporal.taskQueue,
          views: builtInViewRegistry(),
          schedules: createPipelineSchedules(temporal.client.schedule, {
            taskQueue: temporal.taskQueue,
          }),
        },
        models: { store: db.store, mlflow: temporal.mlflow },
        operations: {
          client: new Client({ connection }),
          taskQueue: temporal.taskQueue,
          sql: db.pool,
          store: db.store,
          aggregates: builtInAggregates(),
        },
      },
    });
    const offlineClient = new OperationsClient(offline.address, credentials.createInsecure());
    const calls = operationsCalls(offlineClient);
    try {
      const stats = await calls.getSnapshotStats({ aggregateTypes: [] });
      expect(stats.aggregates[0]).toMatchObject({ aggregateType: 'work-order', snapshotted: 3 });
      expect(stats.schedule).toBeUndefined();
      expect(stats.scheduleError).toContain('Temporal could not be asked');
      const listed = await calls.listMigrations({ eventType: '', pageSize: 0 });
      expect(listed.migrations.length).toBe(2);
      const refused = await rejectionOf(
        calls.startMigration({
          eventType: 'WorkOrderBlocked',
          toVersion: 2,
          dryRun: true,
          batchSize: 0,
          migrationId: '',
        }),
      );
      expect(refused.code).toBe(status.UNAVAILABLE);
      expect(refused.details).toContain('Temporal is unavailable');
      const progress = await rejectionOf(calls.getMigration({ migrationId }));
      expect(progress.code).toBe(status.UNAVAILABLE);
    } finally {
      offlineClient.close();
      await offline.stop();
      await connection.close();
    }
  });

  it('is what the CLI shows, with precise exit codes', async () => {
    const env = { HINDSIGHT_SERVER: server.address };
    const shown = await hindsight(['migrations', 'status', migrationId, '--json'], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ migrationId, status: 'undone' });
    const list = await hindsight(['migrations', 'list', '--event-type', 'WorkOrderBlocked'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(migrationId);
    const stats = await hindsight(['snapshots', 'stats'], env);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/work-order\s+6\s+3\s+/);
    expect(stats.stdout).toContain('every 2h, paused');
    const read = await hindsight(
      ['events', 'read', LONG[0]!, '--snapshot', 'work-order', '--json'],
      env,
    );
    expect(read.code).toBe(0);
    const lines = read.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ snapshot: { streamVersion: 25 } });
    expect(lines).toHaveLength(3);
    // The legacy event with a number for a reason is still there: the dry run finds it, exit 1.
    const dryRun = await hindsight(
      ['migrations', 'start', 'WorkOrderBlocked', '2', '--dry-run', '--sample', '1', '--wait'],
      env,
    );
    expect(dryRun.code).toBe(1);
    expect(dryRun.stdout).toContain('(dry run: writes nothing)');
    expect(dryRun.stdout).toMatch(/before {3}\{.*"reason":"waiting for parts"/);
    expect(dryRun.stdout).toMatch(/after {4}\{.*"code":"parts"/);
    expect(dryRun.stdout).toContain(`failure    event `);
    expect(dryRun.stderr).toContain('migration migration-WorkOrderBlocked-');
    const run = await hindsight(['snapshots', 'run', '--aggregate', 'work-order', '--wait'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/work-order\s+scanned 6/);
    const short = await hindsight(['snapshots', 'schedule', '--every', '30s'], env);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--every');
    const sample = await hindsight(
      ['migrations', 'start', 'WorkOrderBlocked', '2', '--sample', '3'],
      env,
    );
    expect(sample.code).toBe(2);
    const unknown = await hindsight(['migrations', 'status', 'migration-nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
    const down = await hindsight(['migrations', 'list'], { HINDSIGHT_SERVER: '127.0.0.1:1' });
    expect(down.code).toBe(69);
  }, 120_000);
});
