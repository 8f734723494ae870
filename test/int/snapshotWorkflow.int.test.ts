// SnapshotWorkflow on the real stack: work-order streams past the aggregate's policy (20 events)
// get a snapshot, shorter ones and other categories do not; a load from the snapshot equals a
// full replay; a second run writes nothing; a stream that grows past the policy again, or was
// noted as slow to load, gets a newer one; bad requests fail naming what is wrong.
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUpcasters } from '../../examples/work-orders/src/demoUpcasters.js';
import {
  workOrderAggregate,
  type WorkOrderState,
} from '../../examples/work-orders/src/workOrderAggregate.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import type { Aggregate } from '../../eventstore/aggregates/aggregate.js';
import type { JsonObject, NewEvent } from '../../eventstore/types.js';
import type { SnapshotWorkflowInput } from '../../workflows/operationsInput.js';
import { snapshotProgressQuery } from '../../workflows/messages.js';
import type { SnapshotProgress, SnapshotWorkflow } from '../../workflows/snapshotWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';

const POLICY = workOrderAggregate.policy.everyEvents;
const RUNS = 'hindsight.snapshots-work-order';

let db: TestDatabase;
let temporal: TestTemporal;
/** Work-order stream ids by the version they were given, chosen in `beforeAll`. */
const chosen: Record<'atPolicy' | 'belowPolicy' | 'long' | 'longest' | 'short', string> = {
  atPolicy: '',
  belowPolicy: '',
  long: '',
  longest: '',
  short: '',
};

const workLogged = (streamId: string, n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    type: 'WorkLogged',
    data: { workOrderId: streamId.slice('workorder-'.length), technicianId: 'T01', hours: 0.25 },
    occurredAt: Date.UTC(2027, 0, 1) + i * 60_000,
  }));

const versions = async (): Promise<Map<string, number>> => {
  const { rows } = await db.pool.query<{ stream_id: string; version: string }>(
    `select stream_id, version from hindsight.streams where category = 'workorder'
      order by stream_id`,
  );
  return new Map(rows.map((r) => [r.stream_id, Number(r.version)]));
};

/** The snapshot rows, as stored. */
const snapshotRows = async () => {
  const { rows } = await db.pool.query<Record<string, unknown>>(
    `select aggregate_type, stream_id, stream_version::int, state_schema_version, code_hash,
            created_at::text
       from hindsight.snapshots order by aggregate_type, stream_id, code_hash`,
  );
  return rows;
};

const runs = async (): Promise<{ data: JsonObject; metadata: JsonObject }[]> => {
  const slice = await db.store.readStream(RUNS).catch(() => ({ events: [] }));
  return slice.events.map((e) => ({
    data: JSON.parse(e.data) as JsonObject,
    metadata: JSON.parse(e.metadata) as JsonObject,
  }));
};

const snapshot = async (input: unknown) => {
  const workflowId = uniqueId('snapshots');
  const handle = await temporal.client.workflow.start<typeof SnapshotWorkflow>(
    WORKFLOW_TYPES.SnapshotWorkflow,
    {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input as SnapshotWorkflowInput],
      workflowExecutionTimeout: '2 minutes',
    },
  );
  return { workflowId, handle };
};

const failureOf = async (input: unknown) => {
  const { handle } = await snapshot(input);
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return applicationFailureOf(error);
};

beforeAll(async () => {
  db = await createTestDatabase({ upcasters: demoUpcasters() });
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const { streamId, event } of generateDemoHistory({
    seed: 5,
    workOrders: 40,
    technicians: 4,
  })) {
    await db.store.append(streamId, [event]);
  }
  // Streams of chosen lengths around the policy, from demo orders shorter than it.
  const short = [...(await versions())].filter(([, version]) => version < POLICY - 1);
  const targets = [
    ['atPolicy', POLICY],
    ['belowPolicy', POLICY - 1],
    ['long', POLICY + 15],
    ['longest', 3 * POLICY],
  ] as const;
  targets.forEach(([name], i) => (chosen[name] = short[i]?.[0] ?? ''));
  chosen.short = short[targets.length]?.[0] ?? '';
  for (const [name, target] of targets) {
    const streamId = chosen[name];
    const version = (await versions()).get(streamId) ?? 0;
    await db.store.append(streamId, workLogged(streamId, target - version));
  }
  // Blocks stored at v1: the aggregate reads them upcast, by reason code.
  await db.store.append(
    chosen.longest,
    ['waiting for parts', 'waiting for parts', 'access denied'].map((reason) => ({
      type: 'WorkOrderBlocked',
      data: { workOrderId: chosen.longest.slice('workorder-'.length), reason },
    })),
  );
  // Another category, however long, is not a work order.
  await db.store.append(
    'technician-T99',
    Array.from({ length: 2 * POLICY }, (_, i) => ({
      type: 'TechnicianCertified',
      data: { technicianId: 'T99', skillLevel: 1 + (i % 5) },
    })),
  );
  // A snapshot of a retired reducer: never read, removed by the run.
  await db.pool.query(
    `insert into hindsight.snapshots
       (aggregate_type, stream_id, stream_version, state_schema_version, code_hash, state)
     values ('work-order', $1, 1, 1, 'retired-reducer', '{}')`,
    [chosen.short],
  );
});

afterAll(async () => {
  await temporal.close();
  await db.drop();
});

describe('SnapshotWorkflow', () => {
  let due: [string, number][];

  it('snapshots the streams past the policy and no others, and records SnapshotsTaken', async () => {
    const all = await versions();
    due = [...all].filter(([, version]) => version >= POLICY);
    expect(due.map(([id]) => id)).toEqual(
      expect.arrayContaining([chosen.atPolicy, chosen.long, chosen.longest]),
    );
    expect(due.map(([id]) => id)).not.toContain(chosen.belowPolicy);
    expect(all.get(chosen.belowPolicy)).toBe(POLICY - 1);

    const { workflowId, handle } = await snapshot({});
    const result = await handle.result();
    const expected: SnapshotProgress = {
      stage: 'done',
      current: null,
      error: null,
      aggregates: [
        {
          aggregateType: 'work-order',
          scanned: all.size,
          due: due.length,
          written: due.length,
          pruned: 1,
          unreadable: 0,
          eventsReplayed: due.reduce((sum, [, version]) => sum + version, 0),
          done: true,
        },
      ],
    };
    expect(result).toEqual(expected);
    expect(await handle.query(snapshotProgressQuery)).toEqual(expected);

    expect(await snapshotRows()).toEqual(
      due.map(([streamId, version]) => ({
        aggregate_type: 'work-order',
        stream_id: streamId,
        stream_version: version,
        state_schema_version: 1,
        code_hash: workOrderAggregate.codeHash,
        created_at: expect.any(String) as string,
      })),
    );
    const stats = await db.store.snapshots.stats(workOrderAggregate as unknown as Aggregate);
    expect(stats).toMatchObject({
      aggregateType: 'work-order',
      category: 'workorder',
      codeHash: workOrderAggregate.codeHash,
      policy: { everyEvents: POLICY, maxLoadMs: 50 },
      streams: all.size,
      snapshotted: due.length,
      due: 0,
      stale: 0,
      slowLoads: 0,
    });
    expect(stats.tail.max).toBeLessThan(POLICY);
    expect(stats.lastSnapshotAt).toBeGreaterThan(Date.now() - 60_000);

    expect(await runs()).toEqual([
      {
        data: {
          workflowId,
          aggregateType: 'work-order',
          scanned: all.size,
          written: due.length,
          pruned: 1,
          eventsReplayed: expected.aggregates[0]?.eventsReplayed,
          unreadable: 0,
        },
        metadata: expect.objectContaining({ correlation_id: workflowId }) as JsonObject,
      },
    ]);
  });

  it('loads from a snapshot the state a full replay gives', async () => {
    for (const [streamId, version] of due) {
      const fromSnapshot = await db.store.loadAggregate(workOrderAggregate, streamId);
      const replayed = await db.store.loadAggregate(workOrderAggregate, streamId, {
        useSnapshot: false,
      });
      expect(fromSnapshot).toMatchObject({ version, snapshotVersion: version, eventsReplayed: 0 });
      expect(replayed).toMatchObject({ version, snapshotVersion: null, eventsReplayed: version });
      expect(fromSnapshot.state).toEqual(replayed.state);
    }
    // The snapshot plus the events after it.
    const version = (await versions()).get(chosen.longest) ?? 0;
    await db.store.append(chosen.longest, workLogged(chosen.longest, 3));
    const fromSnapshot = await db.store.loadAggregate(workOrderAggregate, chosen.longest);
    const replayed = await db.store.loadAggregate(workOrderAggregate, chosen.longest, {
      useSnapshot: false,
    });
    expect(fromSnapshot).toMatchObject({
      version: version + 3,
      snapshotVersion: version,
      eventsReplayed: 3,
    });
    expect(fromSnapshot.state).toEqual(replayed.state);
    const state: WorkOrderState = fromSnapshot.state;
    expect(state.sessions).toBe(replayed.state.sessions);
    expect(state.blocks.parts).toBeGreaterThanOrEqual(2);
    expect(state.blocks.access).toBeGreaterThanOrEqual(1);
  });

  it('writes nothing new when run again with nothing due', async () => {
    const before = await snapshotRows();
    const { workflowId, handle } = await snapshot({ pageSize: 3 });
    const result = await handle.result();
    expect(result.aggregates).toEqual([
      {
        aggregateType: 'work-order',
        scanned: (await versions()).size,
        due: 0,
        written: 0,
        pruned: 0,
        eventsReplayed: 0,
        unreadable: 0,
        done: true,
      },
    ]);
    expect(await snapshotRows()).toEqual(before);
    const recorded = await runs();
    expect(recorded).toHaveLength(2);
    expect(recorded[1]?.data).toMatchObject({ workflowId, written: 0, pruned: 0 });
  });

  it('takes a newer snapshot of a stream past the policy again, and of one slow to load', async () => {
    await db.store.append(chosen.atPolicy, workLogged(chosen.atPolicy, POLICY));
    await db.store.append(chosen.belowPolicy, workLogged(chosen.belowPolicy, 1));
    await db.pool.query(
      `insert into hindsight.snapshot_hints (aggregate_type, stream_id, load_ms, events_replayed)
       values ('work-order', $1, 120, 9)`,
      [chosen.short],
    );
    const shortVersion = (await versions()).get(chosen.short) ?? 0;
    expect(shortVersion).toBeLessThan(POLICY);
    const before = await snapshotRows();

    const { handle } = await snapshot({ aggregateTypes: ['work-order'], pageSize: 4 });
    const result = await handle.result();
    expect(result.aggregates[0]).toMatchObject({
      due: 3,
      written: 3,
      // The grown stream replays only the events after its snapshot.
      eventsReplayed: POLICY + POLICY + shortVersion,
    });
    const after = await snapshotRows();
    const versionOf = (rows: Record<string, unknown>[], streamId: string) =>
      rows.find((r) => r.stream_id === streamId)?.stream_version;
    expect(versionOf(after, chosen.atPolicy)).toBe(2 * POLICY);
    expect(versionOf(after, chosen.belowPolicy)).toBe(POLICY);
    expect(versionOf(after, chosen.short)).toBe(shortVersion);
    const changed = new Set([chosen.atPolicy, chosen.belowPolicy, chosen.short]);
    const unchanged = (rows: Record<string, unknown>[]) =>
      rows.filter((r) => !changed.has(r.stream_id as string));
    expect(unchanged(after)).toEqual(unchanged(before));
    expect(unchanged(after).length).toBeGreaterThanOrEqual(2);
    const { rows: hints } = await db.pool.query('select * from hindsight.snapshot_hints');
    expect(hints).toEqual([]);
  });
});

describe('a bad request', () => {
  it('naming an unknown aggregate type fails UNKNOWN_AGGREGATE_TYPE naming it, writing nothing', async () => {
    const before = await db.snapshot();
    const cause = await failureOf({ aggregateTypes: ['invoice'] });
    expect(cause).toMatchObject({ type: 'UNKNOWN_AGGREGATE_TYPE', nonRetryable: true });
    expect(cause?.message).toContain("aggregate type 'invoice' is unknown (known: work-order)");
    expect(await db.snapshot()).toBe(before);
  });

  it('naming an unknown type after a known one fails before snapshotting anything', async () => {
    const before = await db.snapshot();
    const cause = await failureOf({ aggregateTypes: ['work-order', 'invoice'] });
    expect(cause).toMatchObject({ type: 'UNKNOWN_AGGREGATE_TYPE', nonRetryable: true });
    expect(cause?.message).toContain("'invoice'");
    expect(await db.snapshot()).toBe(before);
  });

  it('that is malformed fails INVALID_ARGUMENT naming the field, writing nothing', async () => {
    const before = await db.snapshot();
    const cases: [unknown, string][] = [
      [{ aggregateTypes: 'work-order' }, 'aggregateTypes: '],
      [{ aggregateTypes: [] }, 'aggregateTypes: '],
      [{ aggregateTypes: ['Work Order'] }, 'aggregateTypes: '],
      [{ pageSize: 0 }, 'pageSize: '],
      [{ heartbeatTimeoutMs: 10 }, 'heartbeatTimeoutMs: '],
      [{ colour: 'red' }, 'colour: is not a field'],
      [['work-order'], 'input: '],
    ];
    const causes = await Promise.all(cases.map(([input]) => failureOf(input)));
    causes.forEach((cause, i) => {
      expect(cause).toMatchObject({ type: 'INVALID_ARGUMENT', nonRetryable: true });
      expect(cause?.message.startsWith(cases[i]?.[1] ?? '?')).toBe(true);
    });
    expect(await db.snapshot()).toBe(before);
  });
});
