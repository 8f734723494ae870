// Acceptance: re-sending an append after a lost response returns the same result and adds
// nothing; the same event id with different content is refused.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { STREAM_LOCK_NAMESPACE } from '../../eventstore/sql.js';
import type { AppendRequest } from '../../gen/hindsight/v1/eventstore.js';
import { newEvent } from '../support/events.js';
import { useDatabaseAndServer } from '../support/grpcServer.js';
import { rejectionOf } from '../support/wait.js';

describe('idempotent appends', () => {
  const t = useDatabaseAndServer();

  const request = (streamId: string, ids: string[], expectedVersion?: number): AppendRequest => ({
    streamId,
    events: ids.map((eventId, i) =>
      newEvent('ItemAdded', { i }, { eventId, occurredAtMs: 1_700_000_000_000 + i }),
    ),
    expected:
      expectedVersion === undefined ? undefined : { $case: 'expectedVersion', expectedVersion },
  });

  it('returns the original result when a batch is sent again after a lost response', async () => {
    const streamId = 'cart-lost-response';
    await t.server.calls.append(request(streamId, [uuidv7()], 0));
    const ids = [uuidv7(), uuidv7(), uuidv7()];

    // Hold the stream's lock so the append waits; the client gives up before it commits.
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('select pg_advisory_xact_lock($1, hashtext($2))', [
      STREAM_LOCK_NAMESPACE,
      streamId,
    ]);
    const lost = await new Promise<ServiceError | null>((resolve) =>
      t.server.client.append(
        request(streamId, ids, 1),
        new Metadata(),
        { deadline: Date.now() + 200 },
        (error) => resolve(error),
      ),
    );
    expect(lost?.code).toBe(status.DEADLINE_EXCEEDED);
    await blocker.query('commit'); // the t.server's append now goes through, unseen by the client
    await blocker.end();

    let stored = 0;
    for (let i = 0; i < 100 && stored < 4; i++) {
      stored = (await t.server.calls.getStream({ streamId })).version;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(stored).toBe(4);
    const before = await t.db.snapshot();

    const retry = await t.server.calls.append(request(streamId, ids, 1));
    expect(retry.duplicate).toBe(true);
    expect(retry.streamVersion).toBe(4);
    expect(retry.eventIds).toEqual(ids);
    const slice = await t.server.calls.readStream({
      streamId,
      direction: 1,
      fromVersion: 2,
      limit: 10,
      skipUpcastFailures: false,
    });
    expect(slice.events.map((e) => e.eventId)).toEqual(ids);
    expect(retry.globalPositions).toEqual(slice.events.map((e) => e.globalPosition));
    expect(retry.transactionId).toBe(slice.events[0]!.transactionId);
    expect(await t.db.snapshot()).toBe(before);

    // The same retry with expected version "any" is recognised too.
    const anyRetry = await t.server.calls.append(request(streamId, ids));
    expect(anyRetry).toEqual(retry);
    expect(await t.db.snapshot()).toBe(before);
  });

  it('refuses an event id already used with other content, at another position or in another stream', async () => {
    const streamId = 'cart-conflicts';
    const [a, b] = [uuidv7(), uuidv7()];
    const first = await t.server.calls.append(request(streamId, [a, b], 0));
    expect(first.duplicate).toBe(false);
    const before = await t.db.snapshot();

    const cases: [string, AppendRequest, string][] = [
      [
        'other data',
        { ...request(streamId, [a]), events: [newEvent('ItemAdded', { i: 99 }, { eventId: a })] },
        a,
      ],
      [
        'other type',
        { ...request(streamId, [a]), events: [newEvent('ItemRemoved', { i: 0 }, { eventId: a })] },
        a,
      ],
      ['another position', request(streamId, [a, b], 1), a],
      ['a partial overlap', request(streamId, [b, uuidv7()]), b],
      ['a reused id after new ones', request(streamId, [uuidv7(), uuidv7(), b]), b],
      ['another stream', request('cart-other', [a]), a],
      ['another stream, not first', request('cart-other', [uuidv7(), a]), a],
    ];
    for (const [what, req, reused] of cases) {
      const error = await rejectionOf(t.server.calls.append(req));
      expect(error.code, what).toBe(status.ALREADY_EXISTS);
      expect(error.details, what).toContain(reused);
    }
    expect(await t.db.snapshot()).toBe(before);
  });

  it('does not treat retries without client-chosen ids as duplicates', async () => {
    const req: AppendRequest = {
      streamId: 'cart-no-ids',
      events: [newEvent('ItemAdded', { i: 1 })],
      expected: undefined,
    };
    const one = await t.server.calls.append(req);
    const two = await t.server.calls.append(req);
    expect(two.streamVersion).toBe(one.streamVersion + 1);
    expect(two.eventIds[0]).not.toBe(one.eventIds[0]);
    expect(one.eventIds[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7 assigned by the t.server
  });
});
