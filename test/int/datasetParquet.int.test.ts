// Dataset rows through Parquet and back: batch files of any size assemble into one file whose
// digest is the digest of the same rows computed in memory, split in commit order exactly like
// `splitDataset` (row by row), horizon and purge included.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleParquet } from '../../activities/datasets/assembleParquet.js';
import { openDuckDb, writeRowsToParquet, type DuckDb } from '../../activities/datasets/parquet.js';
import { generateDemoLog } from '../../demo/demoLog.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import {
  ROW_HASH_COLUMN,
  compareObservations,
  compareRows,
  datasetColumns,
  datasetDigest,
  labelBalance,
  rowSha256,
  splitDataset,
  type SplitSpec,
} from '../../ml/dataset.js';
import { FeatureViewError } from '../../ml/errors.js';
import { createFeatureRun, runFeatureView } from '../../ml/featureRun.js';
import type { FeatureRow } from '../../ml/featureView.js';

const view = workOrderOverrunView;
let dir: string;
let db: DuckDb;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hindsight-parquet-'));
  db = await openDuckDb(dir);
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const writeBatches = async (rows: FeatureRow[], size: number): Promise<string[]> => {
  const files: string[] = [];
  for (let i = 0; i * size < Math.max(rows.length, 1); i += 1) {
    const file = path.join(dir, `batch-${size}-${i}.parquet`);
    await writeRowsToParquet(db, view, rows.slice(i * size, (i + 1) * size), file);
    files.push(file);
  }
  return files;
};

/** The rows of a whole run, in release order, and the log's clock at its end. */
const runToEnd = (log: Iterable<Parameters<ReturnType<typeof createFeatureRun>['push']>[0]>) => {
  const run = createFeatureRun(view);
  const rows: FeatureRow[] = [];
  for (const event of log) {
    run.push(event);
    rows.push(...run.drain());
  }
  const clock = run.clock;
  rows.push(...run.finish());
  return { rows, clock };
};

describe('a dataset through Parquet', () => {
  const { rows, clock } = runToEnd(generateDemoLog({ workOrders: 400, seed: 11 }));
  const spec = (over: Partial<SplitSpec> = {}): SplitSpec => ({
    validationFraction: 0.2,
    testFraction: 0.2,
    purge: true,
    labelHorizon: view.labelHorizon ?? null,
    clock,
    ...over,
  });

  it('has the in-memory digest, split and balance, however the rows were batched', async () => {
    for (const [size, over] of [
      [97, { validationFraction: 0.25 }],
      [1000, { testFraction: 0, purge: false }],
      [rows.length, { labelHorizon: null }],
    ] as const) {
      const split = spec(over);
      const expected = splitDataset(rows, split);
      // Batches hold rows in the order a feature run releases them, which is canonical order.
      const outFile = path.join(dir, `dataset-${size}.parquet`);
      const assembled = await assembleParquet(db, view, {
        batchFiles: await writeBatches(rows, size),
        outFile,
        split,
      });
      expect(assembled.digest).toBe(datasetDigest(view.featureNames, rows, split));
      expect(assembled.rows).toBe(rows.length);
      expect(assembled.labelBalance).toEqual(labelBalance(rows));
      expect(assembled.split).toEqual({
        validationFrom: expected.validationFrom,
        testFrom: expected.testFrom,
        counts: expected.counts,
      });
      // Row by row, the SQL split is the in-memory one.
      const read = await db.connection.runAndReadAll(
        `select entity_id, global_position, split from read_parquet('${outFile}')`,
      );
      const bySql = new Map(read.getRows().map(([e, g, s]) => [`${String(e)}@${String(g)}`, s]));
      rows.forEach((r, i) => {
        expect(bySql.get(`${r.entityId}@${r.position.globalPosition}`)).toBe(expected.splits[i]);
      });
    }
    // The horizon leaves the newest rows immature; the windows are all non-empty.
    expect(splitDataset(rows, spec()).counts).toMatchObject({
      immature: expect.any(Number) as number,
      test: expect.any(Number) as number,
    });
    expect(splitDataset(rows, spec()).counts.immature).toBeGreaterThan(0);
  });

  it('writes the rows in canonical order with every feature typed and the split beside them', async () => {
    const outFile = path.join(dir, 'ordered.parquet');
    await assembleParquet(db, view, {
      batchFiles: await writeBatches(rows, 500),
      outFile,
      split: spec(),
    });
    const described = await db.connection.runAndReadAll(
      `select column_name, column_type from (describe select * from read_parquet('${outFile}'))`,
    );
    const types = Object.fromEntries(described.getRows() as [string, string][]);
    // Exactly the dataset's columns, the split and each row's hash.
    expect(Object.keys(types)).toEqual([
      ...datasetColumns(view.featureNames),
      'split',
      ROW_HASH_COLUMN,
    ]);
    expect(types).toMatchObject({
      entity_id: 'VARCHAR',
      global_position: 'BIGINT',
      estimated_hours: 'DOUBLE',
      currently_blocked: 'BOOLEAN',
      customer_tier: 'VARCHAR',
      label: 'TINYINT',
      split: 'VARCHAR',
      [ROW_HASH_COLUMN]: 'BLOB',
    });
    const read = await db.connection.runAndReadAll(
      `select entity_id, global_position, hex(${ROW_HASH_COLUMN}) from read_parquet('${outFile}')`,
    );
    // Each row's hash is the sha256 of that row's canonical line.
    const expected = [...rows]
      .sort(compareRows)
      .map((r) => [
        r.entityId,
        BigInt(r.position.globalPosition),
        rowSha256(view.featureNames, r).toString('hex').toUpperCase(),
      ]);
    expect(read.getRows()).toEqual(expected);
  });

  it('refuses rows that come twice, naming the row', async () => {
    const twice = [...rows.slice(0, 50), rows[7] as FeatureRow];
    const error = await assembleParquet(db, view, {
      batchFiles: await writeBatches(twice, 30),
      outFile: path.join(dir, 'twice.parquet'),
      split: spec(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureViewError);
    expect((error as FeatureViewError).fault).toBe('OUT_OF_ORDER');
    expect((error as Error).message).toContain(`row of '${rows[7]?.entityId}'`);
  });

  it('refuses batches out of canonical order, naming the first row out of place', async () => {
    const files = await writeBatches(rows, 300);
    const error = await assembleParquet(db, view, {
      batchFiles: [...files].reverse(),
      outFile: path.join(dir, 'reversed.parquet'),
      split: spec(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureViewError);
    expect((error as FeatureViewError).fault).toBe('OUT_OF_ORDER');
    // The first row of the second file read, which comes before the last file's rows.
    const misplaced = rows[(files.length - 2) * 300] as FeatureRow;
    expect((error as Error).message).toContain(
      `row of '${misplaced.entityId}' at (${misplaced.position.transactionId}, ` +
        `${misplaced.position.globalPosition})`,
    );
  });

  it("builds on a base's labelled rows, and sorts a base of observation order when asked", async () => {
    // The base: a dataset cut at 60% of the log; the batches resumed from its state emit the
    // rows labelled after it and those still open at the end, which are the full run's rows
    // other than the base's labelled ones.
    const log = [...generateDemoLog({ workOrders: 400, seed: 11 })];
    const baseRows = runFeatureView(view, log.slice(0, Math.floor(log.length * 0.6)));
    const key = (r: FeatureRow): string => `${r.entityId}@${r.position.globalPosition}`;
    const kept = new Set(baseRows.filter((r) => r.label !== null).map(key));
    const newRows = rows.filter((r) => !kept.has(key(r)));
    expect(kept.size).toBeGreaterThan(100);
    expect(newRows.some((r) => r.label !== null)).toBe(true);
    const batchFiles = await writeBatches(newRows, 200);
    const assemble = async (base: FeatureRow[], name: string, sort: boolean) => {
      const baseFile = path.join(dir, `base-${name}.parquet`);
      await writeRowsToParquet(db, view, base, baseFile);
      return assembleParquet(db, view, {
        batchFiles,
        baseFile,
        sort,
        outFile: path.join(dir, `on-${name}-${sort}.parquet`),
        split: spec(),
      });
    };
    const digest = datasetDigest(view.featureNames, rows, spec());
    expect((await assemble(baseRows, 'canonical', false)).digest).toBe(digest);
    // Format 2 published rows in observation order.
    const observationOrder = [...baseRows].sort(compareObservations);
    expect(observationOrder).not.toEqual(baseRows);
    expect((await assemble(observationOrder, 'observation', true)).digest).toBe(digest);
    const unsorted = await assemble(observationOrder, 'observation', false).catch(
      (e: unknown) => e,
    );
    expect(unsorted).toBeInstanceOf(FeatureViewError);
    expect((unsorted as FeatureViewError).fault).toBe('OUT_OF_ORDER');
  });

  it('assembles an empty dataset into an empty, typed file', async () => {
    const assembled = await assembleParquet(db, view, {
      batchFiles: await writeBatches([], 10),
      outFile: path.join(dir, 'empty.parquet'),
      split: spec({ clock: null }),
    });
    expect(assembled).toMatchObject({
      rows: 0,
      observedFrom: null,
      split: { validationFrom: null, testFrom: null },
    });
    expect(assembled.digest).toBe(datasetDigest(view.featureNames, [], spec({ clock: null })));
  });
});
