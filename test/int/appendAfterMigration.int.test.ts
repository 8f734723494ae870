// Idempotent appends survive an upcasting migration: a retry of a batch whose events were
// rewritten meanwhile is still recognised as the same batch, by the originals kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUpcasters } from '../../examples/work-orders/src/demoUpcasters.js';
import { EventIdConflictError } from '../../eventstore/errors.js';
import { exactly, type NewEvent } from '../../eventstore/types.js';
import {
  beginMigration,
  migrateBatch,
  planMigration,
} from '../../eventstore/upcasting/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ upcasters: demoUpcasters() });
});
afterAll(async () => {
  await db?.drop();
});

const blocked = (eventId: string, reason: string): NewEvent => ({
  eventId,
  type: 'WorkOrderBlocked',
  schemaVersion: 1,
  data: { workOrderId: 'WO-1', reason },
  occurredAt: Date.UTC(2026, 0, 5),
});

describe('an append retried after a migration rewrote its events', () => {
  const first = blocked('0190a000-0000-7000-8000-000000000001', 'waiting for parts');
  const second = blocked('0190a000-0000-7000-8000-000000000002', 'access denied');

  it('returns the original result and writes nothing', async () => {
    const original = await db.store.append('workorder-WO-1', [first, second], exactly(0));
    const plan = await planMigration(db.pool, db.store.upcasters, {
      eventType: 'WorkOrderBlocked',
      toVersion: 2,
    });
    await beginMigration(db.pool, { migrationId: 'm-retry', plan });
    const batch = await migrateBatch(db.pool, db.store.upcasters, {
      migrationId: 'm-retry',
      batchSize: 100,
    });
    expect(batch.migrated).toBe(2);
    const { rows } = await db.pool.query<{ schema_version: number }>(
      `select schema_version from hindsight.events where stream_id = 'workorder-WO-1'`,
    );
    expect(rows.map((row) => row.schema_version)).toEqual([2, 2]);

    const before = await db.snapshot();
    const retried = await db.store.append('workorder-WO-1', [first, second], exactly(0));
    expect(retried).toEqual({ ...original, duplicate: true });
    expect(await db.snapshot()).toBe(before);
  });

  it('still refuses the same ids with other content', async () => {
    const before = await db.snapshot();
    await expect(
      db.store.append(
        'workorder-WO-1',
        [first, blocked(second.eventId as string, 'customer unavailable')],
        exactly(0),
      ),
    ).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(
      db.store.append('workorder-WO-1', [first, second], exactly(1)),
    ).rejects.toBeInstanceOf(EventIdConflictError);
    expect(await db.snapshot()).toBe(before);
  });
});
