// Shutdown drains calls in flight: a pending append completes, live subscriptions end with
// UNAVAILABLE so that clients resubscribe elsewhere, and new calls are refused.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_LOCK_NAMESPACE } from '../../eventstore/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { newEvent } from '../support/events.js';
import { startTestServer } from '../support/grpcServer.js';

describe('graceful shutdown', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('lets an append in flight finish and ends subscriptions with UNAVAILABLE', async () => {
    const server = await startTestServer(db.store);
    const subscription = server.client.subscribe({
      start: undefined,
      eventTypes: [],
      categories: [],
      skipUpcastFailures: false,
    });
    const subscriptionEnded = new Promise<ServiceError>((resolve) =>
      subscription.on('error', resolve),
    );
    subscription.on('data', () => undefined);

    // Make the append wait on its stream lock, so it is in flight when shutdown starts.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('select pg_advisory_xact_lock($1, hashtext($2))', [
      STREAM_LOCK_NAMESPACE,
      'drain-1',
    ]);
    const append = server.calls.append({
      streamId: 'drain-1',
      events: [newEvent('Drained', { ok: true })],
      expected: undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    let shutdownDone = false;
    const shutdown = server.server.shutdown().then(() => (shutdownDone = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(shutdownDone).toBe(false); // still draining the append
    await blocker.query('commit');
    await blocker.end();

    const result = await append;
    expect(result.streamVersion).toBe(1);
    await shutdown;
    expect((await subscriptionEnded).code).toBe(status.UNAVAILABLE);
    const fresh = server.connect();
    const refused = await new Promise<ServiceError | null>((resolve) =>
      fresh.getStream(
        { streamId: 'drain-1' },
        new Metadata(),
        { deadline: Date.now() + 2000 },
        (error) => resolve(error),
      ),
    );
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(refused?.code);
    fresh.close();
    expect((await db.store.readStream('drain-1')).events).toHaveLength(1);
  });
});
