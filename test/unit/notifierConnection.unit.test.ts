// Unit tests of how live readers wait (no database: a stand-in for the LISTEN connection):
// without a timer while it listens, polling while it does not, one read asked for on each
// change of state, and the re-reads after an announcement told from the rest.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogNotifier, EVENTS_CHANNEL } from '../../eventstore/notifier.js';

/** What the notifier uses of a pg.Client; `connect` waits for `open`. */
class StandIn extends EventEmitter {
  queries: string[] = [];
  /** What the next visibility poll reports as gone below the horizon. */
  next = { horizon: 100, types: [] as string[], categories: [] as string[] };
  private opened!: () => void;
  readonly open = new Promise<void>((resolve) => (this.opened = resolve));
  letIn(): void {
    this.opened();
  }
  async connect(): Promise<void> {
    await this.open;
  }
  query(query: string | { text: string; values?: unknown[] }): Promise<{ rows: object[] }> {
    const text = typeof query === 'string' ? query : query.text;
    this.queries.push(text);
    const { horizon, types, categories } = this.next;
    // As PostgreSQL would: only what is not below the horizon of the last look is new.
    const since = typeof query === 'string' ? 0 : Number(query.values?.[0] ?? 0);
    const [listed, typesSeen, categoriesSeen] =
      since < horizon ? [types.length, types, categories] : [0, [], []];
    return Promise.resolve({
      rows: [
        {
          horizon: String(horizon),
          listed,
          types: typesSeen,
          categories: categoriesSeen,
        },
      ],
    });
  }
  end(): Promise<void> {
    return Promise.resolve();
  }
}

const settled = async (promise: Promise<void>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

const standIns = () => {
  const made: StandIn[] = [];
  return {
    made,
    connect: () => {
      const client = new StandIn();
      made.push(client);
      return client as unknown as pg.Client;
    },
  };
};

describe('live readers waiting on the LISTEN connection', () => {
  it('poll until it listens, then wait without a timer until a notification', async () => {
    const clients = standIns();
    const notifier = createLogNotifier(clients.connect, {
      pollIntervalMs: 60_000,
      fallbackPollIntervalMs: 40,
    });
    const watch = notifier.watch({ categories: ['order'] });
    // Not listening yet: the wait ends after the fallback interval, with no change.
    const before = watch.generation();
    await watch.waitForChange(before); // ends (the test's timeout bounds it)
    expect(watch.generation()).toBe(before);

    // Listening: one read asked for (a notification may have been missed), not announced.
    clients.made[0]?.letIn();
    await expect.poll(() => watch.generation()).toBe(before + 1);
    expect(watch.announced()).toBe(0);
    expect(clients.made[0]?.queries[0]).toBe(`listen ${EVENTS_CHANNEL}`);

    // Then no timer: only a notification that concerns the reader ends the wait.
    const listening = watch.generation();
    const waiting = watch.waitForChange(listening);
    expect(await settled(waiting, 300)).toBe(false);
    clients.made[0]?.emit('notification', { payload: '{"t":["Paid"],"c":["invoice"]}' });
    expect(await settled(waiting, 50)).toBe(false);
    clients.made[0]?.emit('notification', { payload: '{"t":["Placed"],"c":["order"]}' });
    await waiting;
    expect(watch.announced()).toBe(1);

    watch.close();
    await notifier.close();
  });

  it('ask for one read when the connection is lost, poll meanwhile, and reconnect alone', async () => {
    const clients = standIns();
    const notifier = createLogNotifier(clients.connect, {
      pollIntervalMs: 60_000,
      fallbackPollIntervalMs: 40,
    });
    const watch = notifier.watch({});
    void watch.waitForChange(watch.generation());
    clients.made[0]?.letIn();
    await expect.poll(() => watch.generation()).toBe(1);

    const waiting = watch.waitForChange(watch.generation());
    clients.made[0]?.emit('error', new Error('terminating connection'));
    await waiting;
    expect(watch.generation()).toBe(2);
    expect(watch.announced()).toBe(0);
    // Down: waits end after the fallback interval again.
    await watch.waitForChange(watch.generation());
    // A new connection is opened without any reader waiting for it, and asks for one read.
    await expect.poll(() => clients.made.length).toBe(2);
    clients.made[1]?.letIn();
    await expect.poll(() => watch.generation()).toBe(3);
    expect(watch.announced()).toBe(0);

    watch.close();
    await notifier.close();
  });

  it('wake, from the poll, the readers of what went below the horizon since the last look', async () => {
    const clients = standIns();
    const notifier = createLogNotifier(clients.connect, {
      pollIntervalMs: 30,
      fallbackPollIntervalMs: 30,
    });
    const orders = notifier.watch({ categories: ['order'] });
    const invoices = notifier.watch({ categories: ['invoice'] });
    void orders.waitForChange(orders.generation());
    const client = clients.made[0];
    if (!client) throw new Error('no connection');
    client.letIn();
    await expect.poll(() => orders.generation()).toBe(1);
    const polls = client.queries.length;
    await expect.poll(() => client.queries.length).toBeGreaterThan(polls + 2);
    expect([orders.generation(), invoices.generation()]).toEqual([1, 1]); // nothing new

    client.next = { horizon: 105, types: ['Placed'], categories: ['order'] };
    await expect.poll(() => orders.generation()).toBe(2);
    const seen = client.queries.length;
    await expect.poll(() => client.queries.length).toBeGreaterThan(seen + 2);
    expect([orders.generation(), invoices.generation()]).toEqual([2, 1]);
    expect(orders.announced()).toBe(0);

    // A horizon that fell (ids handed out again after a crash) concerns everyone.
    client.next = { horizon: 90, types: [], categories: [] };
    await expect.poll(() => invoices.generation()).toBe(2);

    orders.close();
    invoices.close();
    await notifier.close();
  });
});
