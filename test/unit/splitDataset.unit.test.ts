// Unit tests of the split in commit order: windows, ties, purging, maturity, and the digest.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { comparePositions, type Position } from '../../eventstore/types.js';
import { createRandom } from '../../demo/random.js';
import {
  datasetDigest,
  datasetHeaderLine,
  compareRows,
  isMature,
  rowSha256,
  splitDataset,
  splitSpecLine,
  splitsSha256,
  windowSizes,
  type DatasetSplit,
  type Split,
  type SplitSpec,
} from '../../ml/dataset.js';
import { runFeatureView } from '../../ml/featureRun.js';
import {
  defineFeatureView,
  type FeatureRow,
  type FeatureViewDefinition,
  type LabelHorizon,
  type LogEvent,
} from '../../ml/featureView.js';
import { HindsightError } from '../../platform/errors.js';
import { thrownBy } from '../support/thrown.js';

const at = (transactionId: number): Position => ({
  transactionId,
  globalPosition: 1_000 + transactionId,
});

/** A row observed at `position`, labelled at `labelledBy` (null: no outcome yet). */
const row = (
  entityId: string,
  position: number,
  labelledBy: number | null = position + 1,
  observedAt = position * 100,
): FeatureRow => ({
  entityId,
  observedAt,
  position: at(position),
  features: { x: position },
  label: labelledBy === null ? null : position % 2 === 0 ? 1 : 0,
  labelPosition: labelledBy === null ? null : at(labelledBy),
  labelledAt: labelledBy === null ? null : labelledBy * 100,
});

const spec = (over: Partial<SplitSpec> = {}): SplitSpec => ({
  validationFraction: 0.2,
  testFraction: 0.2,
  purge: false,
  labelHorizon: null,
  clock: null,
  ...over,
});

const windowsOf = (rows: readonly FeatureRow[], split: DatasetSplit) => {
  const of = (which: Split) => rows.filter((_, i) => split.splits[i] === which);
  return {
    train: of('train'),
    validation: of('validation'),
    test: of('test'),
    purged: of('purged'),
    immature: of('immature'),
    unlabelled: of('unlabelled'),
  };
};

const before = (a: Position, b: Position | null): boolean =>
  b === null || comparePositions(a, b) < 0;
const atOrAfter = (a: Position | null, b: Position | null): boolean =>
  a !== null && b !== null && comparePositions(a, b) >= 0;

/** Rows with ties at positions, labels early and late, some without any. */
const randomRows = (seed: number, count: number): FeatureRow[] => {
  const random = createRandom(seed);
  const rows: FeatureRow[] = [];
  let position = 1;
  for (let i = 0; i < count; i++) {
    if (random.chance(0.6)) position += 1;
    const labelledBy = random.chance(0.1) ? null : position + random.int(1, 30);
    rows.push(row(`r${i}`, position, labelledBy));
  }
  return rows;
};

describe('splitDataset: windows in commit order', () => {
  it('puts every train row before validationFrom, validation before testFrom, test after', () => {
    for (const seed of [1, 2, 3]) {
      const rows = randomRows(seed, 300);
      for (const [validationFraction, testFraction] of [
        [0.2, 0.2],
        [0.1, 0.3],
        [0.45, 0.5],
        [0.3, 0],
      ] as const) {
        for (const purge of [false, true]) {
          const split = splitDataset(rows, spec({ validationFraction, testFraction, purge }));
          const { train, validation, test, purged } = windowsOf(rows, split);
          const { validationFrom, testFrom } = split;
          expect(validationFrom).not.toBeNull();
          for (const r of train) expect(before(r.position, validationFrom)).toBe(true);
          for (const r of validation) {
            expect(atOrAfter(r.position, validationFrom)).toBe(true);
            expect(before(r.position, testFrom)).toBe(true);
          }
          for (const r of test) expect(atOrAfter(r.position, testFrom)).toBe(true);
          if (testFrom !== null) {
            expect(comparePositions(validationFrom as Position, testFrom)).toBeLessThanOrEqual(0);
          }
          const labelled = rows.filter((r) => r.label !== null).length;
          expect(train.length + validation.length + test.length + purged.length).toBe(labelled);
          expect(split.counts.unlabelled).toBe(rows.length - labelled);
        }
      }
    }
  });

  it('gives each window the number of rows windowSizes says when positions are distinct', () => {
    for (const count of [1, 2, 3, 7, 10, 99, 250]) {
      const rows = Array.from({ length: count }, (_, i) => row(`r${i}`, i + 1));
      for (const fractions of [
        { validationFraction: 0.2, testFraction: 0.2 },
        { validationFraction: 0.15, testFraction: 0.05 },
        { validationFraction: 0.5, testFraction: 0 },
        { validationFraction: 0.01, testFraction: 0.98 },
      ]) {
        const split = splitDataset(rows, spec(fractions));
        const sizes = windowSizes(count, fractions);
        expect(split.counts, `${count} rows, ${JSON.stringify(fractions)}`).toEqual({
          train: count - sizes.validation - sizes.test,
          validation: sizes.validation,
          test: sizes.test,
          purged: 0,
          immature: 0,
          unlabelled: 0,
        });
        // The newest rows are the test window, the ones before them validation.
        expect(split.splits).toEqual([
          ...Array<Split>(count - sizes.validation - sizes.test).fill('train'),
          ...Array<Split>(sizes.validation).fill('validation'),
          ...Array<Split>(sizes.test).fill('test'),
        ]);
      }
    }
  });

  it('sizes windows from the newest rows: rounded, at least one each, never more than there are', () => {
    const sizes = (usable: number, validationFraction: number, testFraction: number) =>
      windowSizes(usable, { validationFraction, testFraction });
    expect(sizes(0, 0.2, 0.2)).toEqual({ validation: 0, test: 0 });
    expect(sizes(10, 0.2, 0.2)).toEqual({ validation: 2, test: 2 });
    expect(sizes(10, 0.25, 0.15)).toEqual({ validation: 3, test: 2 });
    expect(sizes(3, 0.01, 0.01)).toEqual({ validation: 1, test: 1 });
    expect(sizes(10, 0.2, 0)).toEqual({ validation: 2, test: 0 });
    expect(sizes(1, 0.2, 0.2)).toEqual({ validation: 0, test: 1 });
    expect(sizes(2, 0.4, 0.5)).toEqual({ validation: 1, test: 1 });
  });

  it('has no test window with a test fraction of 0', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(`r${i}`, i + 1));
    const split = splitDataset(rows, spec({ validationFraction: 0.3, testFraction: 0 }));
    expect(split.testFrom).toBeNull();
    expect(split.validationFrom).toEqual(at(8));
    expect(split.counts).toMatchObject({ train: 7, validation: 3, test: 0 });
  });

  it('handles no rows, and no usable rows', () => {
    expect(splitDataset([], spec())).toEqual({
      validationFrom: null,
      testFrom: null,
      splits: [],
      counts: { train: 0, validation: 0, test: 0, purged: 0, immature: 0, unlabelled: 0 },
    });
    const split = splitDataset([row('a', 1, null), row('b', 2, null)], spec());
    expect(split).toMatchObject({ validationFrom: null, testFrom: null });
    expect(split.splits).toEqual(['unlabelled', 'unlabelled']);
  });
});

describe('splitDataset: rows at one position', () => {
  it('puts every row observed at one event on one side of each boundary', () => {
    for (const seed of [4, 5, 6, 7, 8]) {
      const rows = randomRows(seed, 200);
      for (const fractions of [
        { validationFraction: 0.2, testFraction: 0.2 },
        { validationFraction: 0.33, testFraction: 0.1 },
        { validationFraction: 0.1, testFraction: 0 },
      ]) {
        const split = splitDataset(rows, spec({ ...fractions, purge: false }));
        const windowAt = new Map<number, Set<Split>>();
        rows.forEach((r, i) => {
          if (r.label === null) return;
          const seen = windowAt.get(r.position.transactionId) ?? new Set();
          seen.add(split.splits[i] as Split);
          windowAt.set(r.position.transactionId, seen);
        });
        for (const [position, windows] of windowAt) {
          expect([...windows], `position ${position}`).toHaveLength(1);
        }
      }
    }
  });

  it('moves a tied group at a boundary whole into the newer window', () => {
    // windowSizes(5, 0.2, 0.2) is 1 and 1: the validation boundary falls at d, tied with c.
    const atValidation = [row('a', 1), row('b', 2), row('d', 3), row('e', 4), row('c', 3)];
    const split = splitDataset(atValidation, spec());
    expect(split.validationFrom).toEqual(at(3));
    expect(split.testFrom).toEqual(at(4));
    expect(split.splits).toEqual(['train', 'train', 'validation', 'test', 'validation']);

    // windowSizes(10, 0.2, 0.2) is 2 and 2: the test boundary falls at i, tied with h.
    const atTest = [1, 2, 3, 4, 5, 6, 7, 9, 9, 10].map((p, i) => row('abcdefghij'.charAt(i), p));
    const tied = splitDataset(atTest, spec());
    expect(tied.testFrom).toEqual(at(9));
    expect(tied.splits.slice(7)).toEqual(['test', 'test', 'test']);
    expect(tied.splits[6]).toBe('validation');
    // f (index 5) is left alone: see the test below, it belongs to validation.
    expect(tied.splits.slice(0, 5)).toEqual(Array<Split>(5).fill('train'));
  });

  // Once a bug: validationFrom was taken at index (usable - test - validation) of the usable
  // rows even when a tie at the test boundary had pulled rows before that index into the test
  // window, so the validation window lost those rows, down to none.
  it('keeps a validation window when a tie at the test boundary grows the test window', () => {
    // windowSizes(4, 0.25, 0.25) is 1 and 1: the test window takes c and d (both at 3).
    const rows = [row('a', 1), row('b', 2), row('c', 3), row('d', 3)];
    const split = splitDataset(rows, spec({ validationFraction: 0.25, testFraction: 0.25 }));
    expect(split.testFrom).toEqual(at(3));
    expect(split.splits).toEqual(['train', 'validation', 'test', 'test']);
  });
});

describe('splitDataset: purging', () => {
  const rows = [
    row('t1', 1, 2), // train, labelled in train
    row('t2', 2, 7), // train, labelled exactly where validation begins: purged
    row('t3', 3, 12), // train, labelled in test: purged
    row('t4', 4, 6), // train, labelled just before validation
    row('t5', 5, 6),
    row('t6', 6, 6.5),
    row('v1', 7, 8), // validation, labelled in validation
    row('v2', 8, 10), // validation, labelled exactly where test begins: purged
    row('v3', 9, 50), // validation, labelled after test began: purged
    row('s1', 10, 11), // test
    row('s2', 11, 99), // test, however late its outcome
  ];
  const fractions = { validationFraction: 3 / 11, testFraction: 2 / 11 };

  it('sets aside train and validation rows whose outcome came from a later window', () => {
    const split = splitDataset(rows, spec({ ...fractions, purge: true }));
    expect(split.validationFrom).toEqual(at(7));
    expect(split.testFrom).toEqual(at(10));
    expect(Object.fromEntries(rows.map((r, i) => [r.entityId, split.splits[i]]))).toEqual({
      t1: 'train',
      t2: 'purged',
      t3: 'purged',
      t4: 'train',
      t5: 'train',
      t6: 'train',
      v1: 'validation',
      v2: 'purged',
      v3: 'purged',
      s1: 'test',
      s2: 'test',
    });
    expect(split.counts).toMatchObject({ train: 4, validation: 1, test: 2, purged: 4 });
  });

  it('keeps them without purge, and the boundaries do not move', () => {
    const split = splitDataset(rows, spec({ ...fractions, purge: false }));
    expect(split.validationFrom).toEqual(at(7));
    expect(split.testFrom).toEqual(at(10));
    expect(split.counts).toMatchObject({ train: 6, validation: 3, test: 2, purged: 0 });
  });
});

describe('splitDataset: maturity', () => {
  const horizon: LabelHorizon = { within: 1_000, otherwise: 0 };

  it('is mature only strictly after observedAt + within, and never at no clock', () => {
    expect(isMature(0, horizon, 1_001)).toBe(true);
    expect(isMature(0, horizon, 1_000)).toBe(false);
    expect(isMature(0, horizon, null)).toBe(false);
    expect(isMature(0, null, null)).toBe(true);
    expect(isMature(5_000, null, 0)).toBe(true);
  });

  it('leaves out rows without a label as unlabelled, or as immature with a horizon', () => {
    const rows = [row('a', 1), row('b', 2, null), row('c', 3), row('d', 4), row('e', 5, null)];
    const without = splitDataset(rows, spec({ validationFraction: 0.3, testFraction: 0.3 }));
    expect(without.splits).toEqual(['train', 'unlabelled', 'validation', 'test', 'unlabelled']);
    const withHorizon = splitDataset(
      rows,
      spec({ validationFraction: 0.3, testFraction: 0.3, labelHorizon: horizon, clock: 99_999 }),
    );
    expect(withHorizon.splits).toEqual(['train', 'immature', 'validation', 'test', 'immature']);
  });

  it('leaves out labelled rows whose horizon had not passed at the clock, before sizing', () => {
    // observedAt = position * 100, so with within 1000 the row at p matures after 100p + 1000.
    const rows = Array.from({ length: 20 }, (_, i) => row(`r${i}`, i + 1));
    const clock = 100 * 15 + 1_000; // rows at 1..14 are mature; at 15 exactly on its horizon
    const split = splitDataset(rows, spec({ labelHorizon: horizon, clock }));
    const { train, validation, test, immature } = windowsOf(rows, split);
    expect(immature.map((r) => r.position.transactionId)).toEqual([15, 16, 17, 18, 19, 20]);
    const sizes = windowSizes(14, spec());
    expect([train.length, validation.length, test.length]).toEqual([
      14 - sizes.validation - sizes.test,
      sizes.validation,
      sizes.test,
    ]);
    expect(split.testFrom).toEqual(at(15 - sizes.test));
    // Without a horizon the same rows are all usable, whatever the clock.
    expect(splitDataset(rows, spec({ clock })).counts.immature).toBe(0);
    // With a horizon and no clock nothing has matured.
    expect(splitDataset(rows, spec({ labelHorizon: horizon })).counts.immature).toBe(20);
  });
});

describe('splitDataset: fractions', () => {
  it('refuses invalid fractions with an INVALID_ARGUMENT HindsightError that says which', () => {
    const cases: [Partial<SplitSpec>, string][] = [
      [{ validationFraction: 0 }, 'the validation fraction must be between 0 and 1, not 0'],
      [{ validationFraction: 1 }, 'the validation fraction must be between 0 and 1, not 1'],
      [
        { validationFraction: Number.NaN },
        'the validation fraction must be between 0 and 1, not NaN',
      ],
      [{ testFraction: -0.1 }, 'the test fraction must be at least 0 and below 1, not -0.1'],
      [{ testFraction: 1 }, 'the test fraction must be at least 0 and below 1, not 1'],
      [
        { validationFraction: 0.5, testFraction: 0.5 },
        'the validation and test fractions (0.5 + 0.5) must leave rows to train on',
      ],
      [
        { validationFraction: 0.7, testFraction: 0.3 },
        'the validation and test fractions (0.7 + 0.3) must leave rows to train on',
      ],
      [
        { validationFraction: 0.6, testFraction: 0.5 },
        'the validation and test fractions (0.6 + 0.5) must leave rows to train on',
      ],
    ];
    const rows = [row('a', 1), row('b', 2)];
    for (const [over, message] of cases) {
      let error: unknown;
      try {
        splitDataset(rows, spec(over));
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(over)).toBeInstanceOf(HindsightError);
      expect((error as HindsightError).code).toBe('INVALID_ARGUMENT');
      expect((error as HindsightError).message).toBe(message);
    }
    // Refused before looking at any row.
    expect(thrownBy(HindsightError, () => splitDataset([], spec({ testFraction: 1 }))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('splitDataset: a backdated event', () => {
  // Orders are observed at `Observe` and labelled at `Outcome`; the last observation was
  // committed last but dated before every other: a split by business time would train on it.
  interface State {
    count: number;
  }
  const definition: FeatureViewDefinition<State> = {
    name: 'backdated',
    version: 1,
    featureNames: ['count'],
    initialState: () => ({ count: 0 }),
    apply: (state, event, emit) => {
      state.count += 1;
      if (event.type === 'Observe') emit.observe(event.streamId, { count: state.count });
      if (event.type === 'Outcome') emit.label(event.streamId, 1);
    },
  };
  const eventAt = (i: number, type: string, streamId: string, occurredAt: number): LogEvent => ({
    eventId: `e${i}`,
    streamId,
    streamVersion: 1,
    type,
    schemaVersion: 1,
    data: {},
    occurredAt,
    recordedAt: occurredAt,
    transactionId: i,
    globalPosition: i,
  });
  const log: LogEvent[] = [];
  for (let i = 0; i < 20; i++) {
    log.push(eventAt(log.length + 1, 'Observe', `o${i}`, 10_000 + 100 * i));
    log.push(eventAt(log.length + 1, 'Outcome', `o${i}`, 10_000 + 100 * i + 50));
  }
  log.push(eventAt(log.length + 1, 'Observe', 'late', 1));
  // Labels it (without a horizon), or only moves the clock past its horizon (with one).
  log.push(eventAt(log.length + 1, 'Outcome', 'late', 20_000));

  for (const labelHorizon of [null, { within: 500, otherwise: 0 } as LabelHorizon]) {
    it(`puts its row in the newest window, never train (${labelHorizon ? 'with' : 'without'} a horizon)`, () => {
      const view = defineFeatureView(labelHorizon ? { ...definition, labelHorizon } : definition);
      const rows = runFeatureView(view, log);
      const late = rows.find((r) => r.entityId === 'late') as FeatureRow;
      expect(late.label).toBe(labelHorizon ? 0 : 1);
      expect(Math.min(...rows.map((r) => r.observedAt))).toBe(late.observedAt);
      for (const [validationFraction, testFraction] of [
        [0.2, 0.2],
        [0.2, 0],
        [0.05, 0.05],
      ] as const) {
        const split = splitDataset(
          rows,
          spec({ validationFraction, testFraction, purge: true, labelHorizon, clock: 20_000 }),
        );
        expect(split.splits[rows.indexOf(late)]).toBe(testFraction > 0 ? 'test' : 'validation');
        const { train } = windowsOf(rows, split);
        expect(train.length).toBeGreaterThan(0);
        for (const r of train) expect(before(r.position, split.validationFrom)).toBe(true);
      }
    });
  }
});

describe('datasetDigest with a split', () => {
  const names = ['x'];
  const rows = randomRows(9, 60);
  const base = spec({ purge: true });
  const horizon: LabelHorizon = { within: 1_000, otherwise: 0 };
  const splitsOf = (s: SplitSpec): string =>
    splitsSha256(splitDataset([...rows].sort(compareRows), s).splits);

  it('ends with the split line, after the header and the rows in canonical order', () => {
    const expected = createHash('sha256').update(datasetHeaderLine(names));
    for (const r of [...rows].sort(compareRows)) expected.update(rowSha256(names, r));
    expected.update(splitSpecLine(base, splitsOf(base)));
    expect(datasetDigest(names, rows, base)).toBe(expected.digest('hex'));
    expect(splitSpecLine(spec({ testFraction: 0.1, labelHorizon: horizon, clock: 42 }), 'ab')).toBe(
      '{"split":{"order":"commit","validationFraction":0.2,"testFraction":0.1,"purge":false,' +
        '"labelHorizon":{"within":1000,"otherwise":0},"splits":"ab"}}\n',
    );
    expect(splitsSha256(['train', 'test'])).toBe(
      createHash('sha256').update('train\ntest\n').digest('hex'),
    );
  });

  it('is the same for the same rows and spec, in any order', () => {
    const digest = datasetDigest(names, rows, base);
    expect(datasetDigest(names, [...rows].reverse(), { ...base })).toBe(digest);
    expect(datasetDigest(names, rows)).not.toBe(digest);
  });

  it('changes with any parameter of the split, and with the clock only when it moves a row', () => {
    const specs: SplitSpec[] = [
      base,
      { ...base, validationFraction: 0.25 },
      { ...base, testFraction: 0.1 },
      { ...base, testFraction: 0 },
      { ...base, purge: false },
      { ...base, labelHorizon: horizon, clock: 5_000 },
      { ...base, labelHorizon: { ...horizon, within: 1_001 }, clock: 5_000 },
      { ...base, labelHorizon: { ...horizon, otherwise: 1 }, clock: 5_000 },
      { ...base, labelHorizon: { ...horizon, otherwise: 'drop' }, clock: 5_000 },
      { ...base, labelHorizon: horizon, clock: null },
    ];
    const digests = specs.map((s) => datasetDigest(names, rows, s));
    expect(new Set(digests).size).toBe(digests.length);
    // A clock that matures no other row leaves the dataset as it is; one that does changes it.
    const withHorizon = { ...base, labelHorizon: horizon };
    const times = rows.map((r) => r.observedAt);
    const clocks = [5_000, 5_001, Math.min(...times), Math.max(...times) + horizon.within + 1];
    for (const clock of clocks) {
      const same =
        splitsOf({ ...withHorizon, clock }) === splitsOf({ ...withHorizon, clock: 5_000 });
      expect(datasetDigest(names, rows, { ...withHorizon, clock }) === digests[5]).toBe(same);
    }
    expect(
      clocks.some(
        (clock) =>
          splitsOf({ ...withHorizon, clock }) !== splitsOf({ ...withHorizon, clock: 5_000 }),
      ),
    ).toBe(true);
    // Without a horizon the clock decides nothing.
    for (const clock of [0, 5_000, 123_456]) {
      expect(datasetDigest(names, rows, { ...base, clock })).toBe(digests[0]);
    }
  });
});
