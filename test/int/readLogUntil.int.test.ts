// Reading the log up to a cut feeds a feature view the same events, in the same order, as
// the pure run over the generated history: the basis of reproducible, leakage-free datasets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogUntil } from '../../activities/datasets/readLogUntil.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { datasetDigest } from '../../ml/dataset.js';
import { createFeatureRun, type FeatureRun } from '../../ml/featureRun.js';
import type { FeatureRow } from '../../ml/featureView.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const DEMO = { seed: 11, workOrders: 120, technicians: 6, customers: 8 };

const runOver = async (
  db: TestDatabase,
  cut: Awaited<ReturnType<TestDatabase['store']['cut']>>,
  batchSize: number,
) => {
  const run: FeatureRun<unknown> = createFeatureRun(workOrderOverrunView) as FeatureRun<unknown>;
  const rows: FeatureRow[] = [];
  let batches = 0;
  let largest = 0;
  for await (const batch of readLogUntil(db.store, { cut, batchSize })) {
    batches += 1;
    largest = Math.max(largest, batch.events.length);
    for (const event of batch.events) run.push(event);
    rows.push(...run.drain());
  }
  rows.push(...run.finish());
  return { rows, batches, largest };
};

describe('reading the log up to a cut', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    for (const { streamId, event } of generateDemoEvents(DEMO))
      await db.store.append(streamId, [event]);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('gives the same rows as the pure run, in batches, and the same digest after more appends', async () => {
    const cut = await db.store.cut();
    const first = await runOver(db, cut, 97);
    expect(first.batches).toBeGreaterThan(5);
    expect(first.largest).toBeLessThanOrEqual(97);

    // The pure run over the same history, positions aside.
    const pure = createFeatureRun(workOrderOverrunView);
    const expected: FeatureRow[] = [];
    let position = 0;
    for (const { streamId, event } of generateDemoEvents(DEMO)) {
      position += 1;
      pure.push({
        eventId: String(position),
        streamId,
        streamVersion: 0,
        type: event.type,
        schemaVersion: 1,
        data: event.data ?? {},
        occurredAt: event.occurredAt ?? 0,
        recordedAt: event.occurredAt ?? 0,
        globalPosition: position,
        transactionId: position,
      });
      expected.push(...pure.drain());
    }
    expected.push(...pure.finish());
    const strip = (rows: FeatureRow[]) =>
      rows.map(({ entityId, observedAt, features, label }) => ({
        entityId,
        observedAt,
        features,
        label,
      }));
    expect(strip(first.rows)).toEqual(strip(expected));
    expect(first.rows.filter((row) => row.label !== null).length).toBeGreaterThan(100);

    const digest = datasetDigest(workOrderOverrunView.featureNames, first.rows);
    // Past the cut: a new order, assigned, which makes an observation for any later cut.
    await db.store.append('workorder-WO-999999', [
      {
        type: 'WorkOrderCreated',
        data: {
          workOrderId: 'WO-999999',
          customerId: 'C001',
          priority: 'high',
          estimatedHours: 3,
          dueAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
        },
        occurredAt: Date.UTC(2029, 0, 1),
      },
      {
        type: 'WorkOrderAssigned',
        data: { workOrderId: 'WO-999999', technicianId: 'T01' },
        occurredAt: Date.UTC(2029, 0, 2),
      },
    ]);
    const again = await runOver(db, cut, 500);
    expect(datasetDigest(workOrderOverrunView.featureNames, again.rows)).toBe(digest);
    const later = await runOver(db, await db.store.cut(), 500);
    expect(later.rows.length).toBe(first.rows.length + 1);
    expect(later.rows.at(-1)?.entityId).toBe('WO-999999');
  });
});
