// Unit tests of datasets: canonical rows, the digest, the split by time, the label balance.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalRow,
  compareObservations,
  compareRows,
  createDatasetDigest,
  datasetColumns,
  datasetDigest,
  rowSha256,
  labelBalance,
  splitDataset,
  type SplitSpec,
} from '../../ml/dataset.js';
import { comparePositions, type Position } from '../../eventstore/types.js';
import { FeatureViewError } from '../../ml/errors.js';
import { runFeatureView } from '../../ml/featureRun.js';
import type { FeatureRow } from '../../ml/featureView.js';
import { recordDemoLog } from '../../demo/demoLog.js';
import { generateDemoHistory, type DemoEvent } from '../../demo/workOrders.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { HindsightError } from '../../platform/errors.js';
import { thrownBy } from '../support/thrown.js';

const view = workOrderOverrunView;
const names = view.featureNames;

const row = (overrides: Partial<FeatureRow> = {}): FeatureRow => ({
  entityId: 'WO-1',
  observedAt: 1_767_600_000_000,
  position: { transactionId: 7, globalPosition: 3 },
  features: { size: 2.5, kind: 'a "quoted" kind', urgent: true, missing: null },
  label: 1,
  labelPosition: { transactionId: 9, globalPosition: 12 },
  labelledAt: 1_767_700_000_000,
  ...overrides,
});
const toyNames = ['size', 'kind', 'urgent', 'missing'];

/** A seeded shuffle, so that a failure can be replayed. */
const shuffled = <T>(items: readonly T[], seed = 1): T[] => {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('canonicalRow', () => {
  it('writes the columns in a fixed order as one line of JSON', () => {
    expect(datasetColumns(toyNames)).toEqual([
      'entity_id',
      'observed_at',
      'transaction_id',
      'global_position',
      'size',
      'kind',
      'urgent',
      'missing',
      'label',
      'label_transaction_id',
      'label_global_position',
      'labelled_at',
    ]);
    expect(canonicalRow(toyNames, row())).toBe(
      '["WO-1",1767600000000,7,3,2.5,"a \\"quoted\\" kind",true,null,1,9,12,1767700000000]',
    );
    expect(
      canonicalRow(toyNames, row({ label: null, labelPosition: null, labelledAt: null })),
    ).toBe('["WO-1",1767600000000,7,3,2.5,"a \\"quoted\\" kind",true,null,null,null,null,null]');
  });

  it('ignores the order of keys in the features object', () => {
    const reordered = row({
      features: { missing: null, urgent: true, kind: 'a "quoted" kind', size: 2.5 },
    });
    expect(canonicalRow(toyNames, reordered)).toBe(canonicalRow(toyNames, row()));
  });

  it('formats numbers in their shortest round-trip form, -0 as 0', () => {
    const sized = (size: number): string =>
      canonicalRow(['size'], row({ features: { size } })).split(',')[4] ?? '';
    expect([0.1 + 0.2, -0, 1e21, 1.5e-7, 123456789.125, -2].map(sized)).toEqual([
      '0.30000000000000004',
      '0',
      '1e+21',
      '1.5e-7',
      '123456789.125',
      '-2',
    ]);
  });

  it('refuses non-finite numbers and missing features', () => {
    expect(() => canonicalRow(['size'], row({ features: { size: Number.NaN } }))).toThrow(
      FeatureViewError,
    );
    expect(() => canonicalRow(['size', 'other'], row())).toThrow("has no feature 'other'");
  });
});

describe('datasetDigest', () => {
  const history = generateDemoHistory({ workOrders: 100, seed: 23 });
  const rowsOf = (events: readonly DemoEvent[]): FeatureRow[] =>
    runFeatureView(view, recordDemoLog(events));
  const rows = rowsOf(history);
  const digest = datasetDigest(names, rows);
  const withFeature = (i: number, feature: string, value: number | string | null): FeatureRow[] =>
    rows.map((r, k) => (k === i ? { ...r, features: { ...r.features, [feature]: value } } : r));

  it('is a sha256 hex, the same for the same rows, computed again from the log', () => {
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetDigest(names, rowsOf(generateDemoHistory({ workOrders: 100, seed: 23 })))).toBe(
      digest,
    );
  });

  it('does not depend on the order of the rows in the input (it sorts them by position)', () => {
    expect(datasetDigest(names, shuffled(rows, 3))).toBe(digest);
    expect(datasetDigest(names, [...rows].reverse())).toBe(digest);
  });

  it('changes with any feature value, however small the change', () => {
    const i = Math.floor(rows.length / 2);
    const ratio = Number(rows[i]?.features.logged_ratio);
    const digests = [
      datasetDigest(names, withFeature(i, 'logged_ratio', ratio + 1e-6)),
      datasetDigest(names, withFeature(i, 'logged_ratio', null)),
      datasetDigest(names, withFeature(i, 'customer_tier', 'platinum')),
      datasetDigest(names, withFeature(0, 'technician_open_orders', 99)),
      datasetDigest(names, withFeature(rows.length - 1, 'priority', 0.5)),
    ];
    expect(new Set([digest, ...digests]).size).toBe(digests.length + 1);
  });

  it('changes with any label, its position, or the time of a row', () => {
    const i = 5;
    const changed = (change: Partial<FeatureRow>): string =>
      datasetDigest(
        names,
        rows.map((r, k) => (k === i ? { ...r, ...change } : r)),
      );
    const target = rows[i] as FeatureRow;
    const digests = [
      changed({ label: target.label === 1 ? 0 : 1 }),
      changed({ label: null }),
      changed({ labelPosition: { transactionId: 1, globalPosition: 1 } }),
      changed({ labelledAt: (target.labelledAt ?? 0) + 60_000 }),
      changed({ observedAt: target.observedAt + 1 }),
      changed({ entityId: `${target.entityId}x` }),
      datasetDigest(names, rows.slice(1)),
      datasetDigest(
        names.map((name) => (name === 'priority' ? 'urgency' : name)),
        rows.map((r) => ({
          ...r,
          features: { ...r.features, urgency: r.features.priority ?? null },
        })),
      ),
    ];
    expect(new Set([digest, ...digests]).size).toBe(digests.length + 1);
  });

  it('changes when the log gives the same events in another commit order', () => {
    // Two neighbouring events of different streams, swapped: the same facts, another log.
    const i = history.findIndex(
      (e, k) => k > 100 && e.event.type === 'WorkLogged' && history[k + 1]?.streamId !== e.streamId,
    );
    const swapped = [...history];
    [swapped[i], swapped[i + 1]] = [history[i + 1] as DemoEvent, history[i] as DemoEvent];
    expect(datasetDigest(names, rowsOf(swapped))).not.toBe(digest);
    expect(
      datasetDigest(names, rowsOf(generateDemoHistory({ workOrders: 100, seed: 24 }))),
    ).not.toBe(digest);
  });

  it("is the sha256 of the header line and each canonical row's sha256, in canonical order", () => {
    const second = row({
      entityId: 'WO-2',
      position: { transactionId: 7, globalPosition: 4 },
      label: null,
      labelPosition: null,
      labelledAt: null,
    });
    const header =
      '["entity_id","observed_at","transaction_id","global_position","size","kind","urgent",' +
      '"missing","label","label_transaction_id","label_global_position","labelled_at"]\n';
    const lines = [
      '["WO-1",1767600000000,7,3,2.5,"a \\"quoted\\" kind",true,null,1,9,12,1767700000000]',
      '["WO-2",1767600000000,7,4,2.5,"a \\"quoted\\" kind",true,null,null,null,null,null]',
    ];
    const sha = (text: string): Buffer => createHash('sha256').update(text).digest();
    expect(rowSha256(toyNames, row())).toEqual(sha(lines[0] as string));
    expect(rowSha256(toyNames, second)).toEqual(sha(lines[1] as string));
    const expected = createHash('sha256')
      .update(header)
      .update(Buffer.concat(lines.map(sha)))
      .digest('hex');
    expect(datasetDigest(toyNames, [second, row()])).toBe(expected);
    // Pinned, so that the canonical form cannot drift unnoticed.
    expect(expected).toBe('d58f8d61f45b5388cdeb40b0fe6fa7af33a80cfeefec6f1b13d6781e7fa8633c');
  });

  it('takes rows by their hash as well, and refuses a hash that is not a sha256', () => {
    const sorted = [...rows].sort(compareRows);
    const builder = createDatasetDigest(names);
    sorted.forEach((r, i) =>
      i % 2 === 0 ? builder.add(r) : builder.addRowHash(rowSha256(names, r)),
    );
    expect(builder.rows).toBe(rows.length);
    expect(builder.digest()).toBe(digest);
    expect(() => createDatasetDigest(names).addRowHash(new Uint8Array(31))).toThrow('not a sha256');
  });

  it('takes blocks of row hashes laid end to end, refusing a block that splits a hash', () => {
    const sorted = [...rows].sort(compareRows);
    const hashes = sorted.map((r) => rowSha256(names, r));
    const builder = createDatasetDigest(names);
    builder.addRowHashes(Buffer.concat(hashes.slice(0, 3)));
    builder.addRowHashes(new Uint8Array(0));
    builder.addRowHashes(Buffer.concat(hashes.slice(3)));
    expect(builder.rows).toBe(rows.length);
    expect(builder.digest()).toBe(digest);
    expect(() => createDatasetDigest(names).addRowHashes(new Uint8Array(65))).toThrow(
      '65 bytes of hashes, not a multiple of 32',
    );
  });

  it('can be built row by row in canonical order, and refuses rows out of order', () => {
    const sorted = [...rows].sort(compareRows);
    const builder = createDatasetDigest(names);
    sorted.forEach((r) => builder.add(r));
    expect(builder.rows).toBe(rows.length);
    expect(builder.digest()).toBe(digest);
    // Reading the digest midway does not end the build.
    const partial = createDatasetDigest(names);
    partial.add(sorted[0] as FeatureRow);
    expect(partial.digest()).toBe(datasetDigest(names, sorted.slice(0, 1)));
    partial.add(sorted[1] as FeatureRow);
    expect(partial.digest()).toBe(datasetDigest(names, sorted.slice(0, 2)));
    expect(() => partial.add(sorted[0] as FeatureRow)).toThrow(FeatureViewError);
    expect(() => partial.add(sorted[1] as FeatureRow)).toThrow('is not after the previous row');
  });

  it('orders rows observed at one event by entity id', () => {
    const a = row({ entityId: 'A' });
    const b = row({ entityId: 'B' });
    expect([b, a].sort(compareRows)).toEqual([a, b]);
    expect(datasetDigest(toyNames, [b, a])).toBe(datasetDigest(toyNames, [a, b]));
  });

  it('orders rows by when they became final: by the position of their outcome, open ones last', () => {
    const labelledLate = row({
      entityId: 'observed-first',
      position: { transactionId: 5, globalPosition: 1 },
      labelPosition: { transactionId: 20, globalPosition: 40 },
    });
    const labelledEarly = row({
      entityId: 'observed-second',
      position: { transactionId: 8, globalPosition: 2 },
      labelPosition: { transactionId: 10, globalPosition: 15 },
    });
    const open = row({
      entityId: 'observed-before-both',
      position: { transactionId: 1, globalPosition: 0 },
      label: null,
      labelPosition: null,
      labelledAt: null,
    });
    for (const seed of [1, 2, 3]) {
      expect(shuffled([labelledLate, labelledEarly, open], seed).sort(compareRows)).toEqual([
        labelledEarly,
        labelledLate,
        open,
      ]);
    }
    expect([open, labelledEarly, labelledLate].sort(compareObservations)).toEqual([
      open,
      labelledLate,
      labelledEarly,
    ]);
  });

  it('is the order a feature run emits rows in, unlike observation order', () => {
    // Cut midway, so that some work orders are still open.
    const log = [...recordDemoLog(generateDemoHistory({ workOrders: 150, seed: 5 }))];
    const emitted = runFeatureView(view, log.slice(0, Math.floor(log.length * 0.6)));
    expect(emitted.some((r) => r.label === null)).toBe(true);
    expect([...emitted].sort(compareRows)).toEqual(emitted);
    expect([...emitted].sort(compareObservations)).not.toEqual(emitted);
  });
});

describe('splitDataset', () => {
  const rows = runFeatureView(
    view,
    recordDemoLog(generateDemoHistory({ workOrders: 200, seed: 29 })),
  );
  const spec = (over: Partial<SplitSpec> = {}): SplitSpec => ({
    validationFraction: 0.2,
    testFraction: 0.2,
    purge: false,
    labelHorizon: null,
    clock: null,
    ...over,
  });

  it('puts the windows one after another in commit order', () => {
    for (const [validationFraction, testFraction] of [
      [0.1, 0.1],
      [0.2, 0.2],
      [0.5, 0],
      [0.3, 0.6],
    ] as const) {
      const split = splitDataset(rows, spec({ validationFraction, testFraction }));
      const positions = (which: string) =>
        rows.filter((_, i) => split.splits[i] === which).map((r) => r.position);
      const validationFrom = split.validationFrom as Position;
      for (const p of positions('train')) {
        expect(comparePositions(p, validationFrom)).toBeLessThan(0);
      }
      for (const p of positions('validation')) {
        expect(comparePositions(p, validationFrom)).toBeGreaterThanOrEqual(0);
        if (split.testFrom) expect(comparePositions(p, split.testFrom)).toBeLessThan(0);
      }
      for (const p of positions('test')) {
        expect(comparePositions(p, split.testFrom as Position)).toBeGreaterThanOrEqual(0);
      }
      const usable = rows.filter((r) => r.label !== null).length;
      expect(split.counts.test).toBe(
        testFraction === 0 ? 0 : Math.max(1, Math.round(usable * testFraction)),
      );
      expect(split.counts.train + split.counts.validation + split.counts.test).toBe(usable);
      expect(split.counts.unlabelled).toBe(rows.length - usable);
      expect(split.counts.purged).toBe(0);
    }
  });

  it('gives each row the same split whatever the input order', () => {
    const split = splitDataset(rows, spec({ purge: true }));
    const order = shuffled(
      rows.map((_, i) => i),
      5,
    );
    const reordered = splitDataset(
      order.map((i) => rows[i] as FeatureRow),
      spec({ purge: true }),
    );
    expect(reordered.validationFrom).toEqual(split.validationFrom);
    expect(order.map((i) => split.splits[i])).toEqual(reordered.splits);
  });

  it('sets aside, when asked, rows whose outcome came in a later window', () => {
    const split = splitDataset(rows, spec({ purge: true, validationFraction: 0.3 }));
    const { validationFrom, testFrom } = split as { validationFrom: Position; testFrom: Position };
    const atOrAfter = (p: Position | null, from: Position) =>
      p !== null && comparePositions(p, from) >= 0;
    rows.forEach((r, i) => {
      const expected =
        r.label === null
          ? 'unlabelled'
          : atOrAfter(r.position, testFrom)
            ? 'test'
            : atOrAfter(r.position, validationFrom)
              ? atOrAfter(r.labelPosition, testFrom)
                ? 'purged'
                : 'validation'
              : atOrAfter(r.labelPosition, validationFrom)
                ? 'purged'
                : 'train';
      expect(split.splits[i]).toBe(expected);
    });
    expect(split.counts.purged).toBeGreaterThan(0);
  });

  it('handles no rows, and refuses fractions that leave nothing to train on', () => {
    expect(splitDataset([], spec())).toMatchObject({
      validationFrom: null,
      testFrom: null,
      splits: [],
    });
    for (const validationFraction of [0, 1, -0.1, 1.5, Number.NaN]) {
      const error = thrownBy(HindsightError, () =>
        splitDataset(rows, spec({ validationFraction })),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('validation fraction');
    }
    expect(() => splitDataset(rows, spec({ testFraction: -0.1 }))).toThrow(/test fraction/);
    expect(() => splitDataset(rows, spec({ validationFraction: 0.5, testFraction: 0.5 }))).toThrow(
      /leave rows to train on/,
    );
  });

  it('makes the split part of the digest', () => {
    const digests = [
      spec(),
      spec({ validationFraction: 0.3 }),
      spec({ testFraction: 0 }),
      spec({ purge: true }),
      // Every row mature, or none: the clock moves rows, so it moves the digest.
      spec({ labelHorizon: { within: 1000, otherwise: 0 }, clock: 5 }),
      spec({ labelHorizon: { within: 1000, otherwise: 0 }, clock: Number.MAX_SAFE_INTEGER }),
    ].map((s) => datasetDigest(view.featureNames, rows, s));
    expect(new Set(digests).size).toBe(digests.length);
    // Without a horizon the clock decides nothing.
    expect(datasetDigest(view.featureNames, rows, spec({ clock: 7 }))).toBe(digests[0]);
  });
});

describe('labelBalance', () => {
  it('counts positives, negatives and unlabelled rows', () => {
    const rows = [row({ label: 1 }), row({ label: 0 }), row({ label: 0 }), row({ label: null })];
    expect(labelBalance(rows)).toEqual({
      rows: 4,
      labelled: 3,
      unlabelled: 1,
      positives: 1,
      negatives: 2,
      positiveRate: 1 / 3,
    });
    expect(labelBalance([]).positiveRate).toBeNull();
  });
});
