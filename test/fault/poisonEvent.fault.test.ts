// A poison event never wedges anything (issue 18, point 3), in the exact scenario of the issue:
// `WorkOrderBlocked` at schema version 1 with `{"workOrderId":"WO-RELX","reason":42}` — a reason
// the v1 → v2 upcaster cannot read. An older server (without the upcaster) let it into the log;
// on the current one, ReadAll, an unfiltered Subscribe and ReadStream of its stream return it
// flagged as stored, Predict keeps serving, `hindsight datasets generate` succeeds and counts it
// quarantined, and `hindsight events quarantine` lists it. The current server refuses to append it
// again (INVALID_ARGUMENT, nothing written).
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoUpcasters } from '../../examples/work-orders/src/demoUpcasters.js';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient } from '../../eventstore/pool.js';
import type { RecordedEvent, SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import type { DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import { newEvent } from '../support/events.js';
import { hindsight } from '../support/processes.js';
import { readAllPages } from '../support/grpcServer.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { rejectionOf, waitFor } from '../support/wait.js';

const STREAM = 'workorder-WO-RELX';
const POISON = {
  type: 'WorkOrderBlocked',
  schemaVersion: 1,
  data: { workOrderId: 'WO-RELX', reason: 42 },
};
const UPCAST_FAILED = /^the upcaster of WorkOrderBlocked from v1 to v2 failed on event /;

let stack: ServingStack;
/** A server from before the upcaster: it stores what it is given. */
let older: EventStore;
let poisonPosition: number;
let poisonTransaction: number;

beforeAll(async () => {
  stack = await startServingStack({
    prefix: 'poison',
    demo: { seed: 41, workOrders: 400 },
    upcasters: demoUpcasters(),
  });
  older = createEventStore({
    pool: stack.db.pool,
    listenClient: () => createClient(stack.db.url, 'older-server-listen'),
  });
  const written = await older.append(STREAM, [POISON]);
  poisonPosition = written.globalPositions[0] ?? 0;
  poisonTransaction = written.transactionId;
}, 600_000);

afterAll(async () => {
  await older?.close();
  await stack?.close();
});

const isPoison = (event: RecordedEvent): boolean => event.globalPosition === poisonPosition;

describe('a WorkOrderBlocked v1 whose reason is 42, in the log', () => {
  it('the current server refuses to append it again, writing nothing', async () => {
    const before = await stack.db.snapshot();
    const error = await rejectionOf(
      stack.server.calls.append({
        streamId: STREAM,
        events: [newEvent(POISON.type, POISON.data, { schemaVersion: 1 })],
        expected: undefined,
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('WorkOrderBlocked v1 needs a text reason, got 42');
    expect(await stack.db.snapshot()).toBe(before);
  });

  it('ReadAll returns the whole log, the poison event flagged as stored', async () => {
    const events = (await readAllPages(stack.server.client)).flatMap((page) => page.events);
    const poison = events.find(isPoison);
    expect(poison).toMatchObject({ streamId: STREAM, type: POISON.type, schemaVersion: 1 });
    expect(poison?.upcastError).toMatch(UPCAST_FAILED);
    expect(JSON.parse(Buffer.from(poison?.data ?? []).toString())).toEqual(POISON.data);
    // Every other WorkOrderBlocked reads at v2.
    const blocked = events.filter((e) => e.type === POISON.type && !isPoison(e));
    expect(blocked.length).toBeGreaterThan(0);
    expect(new Set(blocked.map((e) => e.schemaVersion))).toEqual(new Set([2]));
  });

  it('ReadStream of its stream returns it flagged', async () => {
    const slice = await stack.server.calls.readStream({
      streamId: STREAM,
      direction: 0,
      fromVersion: 0,
      limit: 0,
    });
    expect(slice.events).toHaveLength(1);
    expect(slice.events[0]?.upcastError).toMatch(UPCAST_FAILED);
  });

  it('an unfiltered Subscribe catches up past it and stays live', async () => {
    const call: ClientReadableStream<SubscribeResponse> = stack.server.client.subscribe({
      start: { $case: 'after', after: { transactionId: 0, globalPosition: 0 } },
      eventTypes: [],
      categories: [],
      skipUpcastFailures: false,
    });
    const events: RecordedEvent[] = [];
    let caughtUp = false;
    call.on('data', (response: SubscribeResponse) => {
      if (response.message?.$case === 'events') events.push(...response.message.events.events);
      if (response.message?.$case === 'caughtUp') caughtUp = true;
    });
    call.on('error', () => undefined);
    try {
      await waitFor(() => caughtUp, 30_000, 'the subscription to catch up');
      expect(events.find(isPoison)?.upcastError).toMatch(UPCAST_FAILED);
      const live = await stack.db.store.append('workorder-WO-LIVE', [
        {
          type: 'WorkOrderBlocked',
          schemaVersion: 1,
          data: { workOrderId: 'WO-LIVE', reason: 'x' },
        },
      ]);
      await waitFor(
        () => events.some((e) => e.globalPosition === live.globalPositions[0]),
        10_000,
        'a live event after the poison event',
      );
    } finally {
      call.cancel();
    }
  });

  it('Predict keeps serving, from a state past the poison event', async () => {
    const [entity] = [...stack.open];
    const response = await stack.predict({ entityId: entity });
    expect(response.score).toBeGreaterThanOrEqual(0);
    // Its features hold every event below this horizon: the poison event's is among them.
    expect(response.logTransactionId).toBeGreaterThan(poisonTransaction);
  });

  it('`hindsight datasets generate` succeeds and counts it quarantined', async () => {
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      MLFLOW_TRACKING_URI: inject('mlflowUri'),
      HINDSIGHT_TASK_QUEUE: stack.temporal.taskQueue,
      HINDSIGHT_SERVER: stack.server.address,
    };
    const generated = await hindsight(
      ['datasets', 'generate', 'work_order_overrun', '--json'],
      env,
    );
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const result = JSON.parse(generated.stdout) as DatasetWorkflowResult;
    expect(result.manifest.quarantined).toBe(1);
    const run = await stack.temporal.mlflow.getRun(result.runId);
    expect(run.metrics.find((m) => m.key === 'quarantined_events')?.value).toBe(1);

    const listed = await hindsight(['events', 'quarantine', '--json'], env);
    expect(listed.code).toBe(0);
    const quarantined = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({
      view: 'work_order_overrun',
      streamId: STREAM,
      type: POISON.type,
      schemaVersion: 1,
      stage: 'upcast',
    });
    expect(quarantined[0]?.reason).toMatch(UPCAST_FAILED);
  });
});
