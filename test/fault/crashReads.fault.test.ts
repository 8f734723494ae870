// kill -9 of PostgreSQL under a live subscriber, a reader holding its own checkpoint, and cuts:
// PostgreSQL hands out again, after a crash, the transaction ids whose WAL never reached disk
// (rolled back or asynchronously committed ones), so a horizon handed out above one of them
// would let the first append after recovery land behind every reader. Twenty rounds: no
// reader skips an event, and every cut reads the same events before and after each crash.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient, createPool } from '../../eventstore/pool.js';
import { migrate } from '../../eventstore/schema/migrate.js';
import { START, type Cut, type Position } from '../../eventstore/index.js';
import type { Subscription } from '../../eventstore/subscribe.js';
import { startKillablePostgres, type KillablePostgres } from '../support/killablePostgres.js';
import { sleep, waitFor } from '../support/wait.js';

const ROUNDS = Number(process.env.HINDSIGHT_CRASH_ROUNDS ?? 20);

let server: KillablePostgres;
let pool: pg.Pool;
let store: EventStore;

beforeAll(async () => {
  server = await startKillablePostgres();
  pool = createPool({ connectionString: server.url, max: 8, applicationName: 'crash-test' });
  await migrate(pool);
  store = createEventStore({
    pool,
    listenClient: () => createClient(server.url, 'crash-test-listen'),
    pollIntervalMs: 100,
    onError: () => undefined,
  });
}, 180_000);

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await server?.stop();
});

/** Retries while PostgreSQL is down or recovering; appends are idempotent by event id. */
const untilUp = async <T>(what: string, attempt: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${String(error)}`);
      await sleep(100);
    }
  }
};

/** Appends a few events to a few streams at once; returns their ids. */
const appendSome = async (round: number, tag: string): Promise<string[]> => {
  const batches = Array.from({ length: 3 }, (_, stream) =>
    Array.from({ length: 1 + ((round + stream) % 3) }, () => ({
      eventId: uuidv7(),
      type: 'Happened',
      data: { round, tag },
    })),
  );
  await Promise.all(
    batches.map((events, stream) =>
      untilUp(`append ${tag} of round ${round}`, () => store.append(`crash-${stream}`, events)),
    ),
  );
  return batches.flat().map((event) => event.eventId);
};

/** A transaction that takes an id and rolls back: its abort record is never flushed. */
const rollBackOne = async (): Promise<void> => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_current_xact_id()');
    await client.query('rollback');
    client.release();
  } catch (error) {
    client.release(true);
    throw error;
  }
};

/** The ids of the events below a cut, in log order. */
const readUntil = async (cut: Cut): Promise<string[]> => {
  const ids: string[] = [];
  let after: Position = START;
  for (;;) {
    const page = await store.readAll({ after, limit: 100, until: cut.transactionId });
    ids.push(...page.events.map((event) => event.eventId));
    after = page.checkpoint;
    if (page.reachedEnd) return ids;
  }
};

/** A reader that keeps its checkpoint in memory, across crashes, as a gRPC ReadAll client does. */
const createReader = () => {
  let after: Position = START;
  const seen: string[] = [];
  return {
    seen,
    readToEnd: async (): Promise<void> => {
      for (;;) {
        const page = await store.readAll({ after, limit: 100 });
        seen.push(...page.events.map((event) => event.eventId));
        after = page.checkpoint;
        if (page.reachedEnd) return;
      }
    },
  };
};

describe('reads across kill -9 of PostgreSQL', () => {
  it(`skips no event and keeps every cut reproducible over ${ROUNDS} crashes`, async () => {
    const name = `crash-subscriber-${randomUUID()}`;
    const delivered = new Set<string>();
    const startSubscriber = (): Subscription =>
      store.subscribe({
        name,
        categories: ['crash'],
        handler: (events) => {
          for (const event of events) delivered.add(event.eventId);
          return Promise.resolve();
        },
      });
    let subscriber = startSubscriber();
    const reader = createReader();
    const appended: string[] = [];
    const cuts: { round: number; cut: Cut; ids: string[] }[] = [];
    const changedCuts: string[] = [];
    const takeCut = async (round: number): Promise<void> => {
      const cut = await untilUp('cut', () => store.cut());
      cuts.push({ round, cut, ids: await untilUp('read the cut', () => readUntil(cut)) });
    };

    for (let round = 0; round < ROUNDS; round++) {
      appended.push(...(await appendSome(round, 'before')));
      // Ids that never reach disk just below what is handed out last before the crash: the
      // reader's horizon in even rounds, the cut's in odd ones.
      await untilUp('roll back', rollBackOne);
      await untilUp('read before the cut', () => reader.readToEnd());
      if (round % 2 === 0) {
        await takeCut(round);
        appended.push(...(await appendSome(round, 'between')));
        await untilUp('roll back', rollBackOne);
        await untilUp('read before the crash', () => reader.readToEnd());
      } else {
        await untilUp('roll back', rollBackOne);
        await takeCut(round);
      }

      await server.kill({ everyProcess: round % 4 === 3 });
      await server.restart();
      await subscriber.stop();
      subscriber = startSubscriber();

      appended.push(...(await appendSome(round, 'after')));
      await untilUp('read after the crash', () => reader.readToEnd());
      for (const { round: taken, cut, ids } of cuts) {
        const again = await untilUp('read the cut again', () => readUntil(cut));
        if (again.join() !== ids.join()) changedCuts.push(`cut of round ${taken} after ${round}`);
      }
    }

    await reader.readToEnd();
    const stored = await pool.query<{ event_id: string }>(
      'select event_id from hindsight.events order by tx_id, global_position',
    );
    const inLog = stored.rows.map((row) => row.event_id);
    expect(new Set(inLog)).toEqual(new Set(appended));
    await waitFor(
      () => inLog.every((id) => delivered.has(id)),
      60_000,
      'the subscriber to receive every event',
    ).catch(() => undefined);
    await subscriber.stop();

    expect({
      changedCuts,
      skippedByTheReader: inLog.filter((id) => !reader.seen.includes(id)),
      readTwice: reader.seen.length - new Set(reader.seen).size,
      missedByTheSubscriber: inLog.filter((id) => !delivered.has(id)),
    }).toEqual({
      changedCuts: [],
      skippedByTheReader: [],
      readTwice: 0,
      missedByTheSubscriber: [],
    });
  }, 900_000);
});
