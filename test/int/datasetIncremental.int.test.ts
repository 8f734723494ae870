// Incremental datasets: a dataset builds on the view's state stored with an earlier dataset of
// the same code, reads only the events after that dataset's cut, and still has the digest of a
// full replay from the start of the log.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoHistory, type DemoEvent } from '../../demo/workOrders.js';
import type { DatasetWorkflowInput } from '../../workflows/datasetInput.js';
import type {
  DatasetProgress,
  DatasetWorkflow,
  DatasetWorkflowResult,
} from '../../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';

const VIEW = 'work_order_overrun';
let db: TestDatabase;
let temporal: TestTemporal;
let history: DemoEvent[];

const append = async (events: readonly DemoEvent[]): Promise<void> => {
  for (const { streamId, event } of events) await db.store.append(streamId, [event]);
};

const generate = async (
  input: Omit<DatasetWorkflowInput, 'view'>,
): Promise<{ result: DatasetWorkflowResult; progress: DatasetProgress }> => {
  const handle = await temporal.client.workflow.start<typeof DatasetWorkflow>(
    WORKFLOW_TYPES.DatasetWorkflow,
    {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('dataset'),
      args: [{ view: VIEW, eventsPerBatch: 2000, ...input }],
      workflowExecutionTimeout: '5 minutes',
    },
  );
  const result = await handle.result();
  return { result, progress: await handle.query(datasetProgressQuery) };
};

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  history = [...generateDemoHistory({ seed: 11, workOrders: 250, technicians: 5 })];
}, 120_000);

afterAll(async () => {
  await temporal?.close();
  await db?.drop();
});

describe('incremental datasets', () => {
  let first: { result: DatasetWorkflowResult; progress: DatasetProgress };
  let firstCut: number;

  it('a first dataset reads the whole log and keeps the view state at its cut', async () => {
    const split = Math.floor(history.length * 0.97);
    await append(history.slice(0, split));
    firstCut = (await db.store.cut()).transactionId;
    first = await generate({ cut: firstCut });
    expect(first.progress.base).toBeNull();
    expect(first.progress.events.read).toBe(first.result.manifest.events);
    const { rows } = await db.pool.query<{ cut_tx: string; dataset_digest: string }>(
      'select cut_tx, dataset_digest from hindsight.view_snapshots where view_name = $1',
      [VIEW],
    );
    expect(rows).toEqual([{ cut_tx: firstCut, dataset_digest: first.result.digest }]);
  });

  it('a later dataset reads only the new events and equals a full rebuild', async () => {
    await append(history.slice(Math.floor(history.length * 0.97)));
    const cut = (await db.store.cut()).transactionId;
    const incremental = await generate({ cut });
    const full = await generate({ cut, incremental: false });

    expect(incremental.progress.base).toEqual({
      cut: firstCut,
      digest: first.result.digest,
      events: first.result.manifest.events,
    });
    expect(full.progress.base).toBeNull();
    expect(incremental.result.digest).toBe(full.result.digest);
    expect(incremental.result.digest).not.toBe(first.result.digest);
    // Only the events after the first dataset's view state were read.
    expect(incremental.progress.events.read).toBe(
      full.progress.events.read - first.result.manifest.events,
    );
    expect(incremental.progress.events.read).toBeGreaterThan(0);
    expect(incremental.progress.events.read).toBeLessThan(full.progress.events.read / 10);
    // Everything the manifest says is the same, but for where it came from.
    const strip = ({ manifest }: DatasetWorkflowResult) => ({
      ...manifest,
      generatedAt: 0,
      lineage: null,
    });
    expect(strip(incremental.result)).toEqual(strip(full.result));
  });

  it('the same cut again builds on its own state and reproduces the digest', async () => {
    const again = await generate({ cut: firstCut });
    expect(again.progress.base?.cut).toBe(firstCut);
    expect(again.progress.events.read).toBe(0);
    expect(again.result.digest).toBe(first.result.digest);
  });

  it('refuses a cached base file that changed, and builds on the published one instead', async () => {
    const cached = path.join(
      temporal.workDir,
      'datasets',
      'by-digest',
      `${first.result.digest}.parquet`,
    );
    const published = await readFile(cached);
    const changed = Buffer.from(published);
    const middle = Math.floor(changed.length / 2);
    changed[middle] = (changed[middle] ?? 0) ^ 0xff;
    await writeFile(cached, changed);
    const again = await generate({ cut: firstCut });
    expect(again.progress.base?.cut).toBe(firstCut);
    expect(again.result.digest).toBe(first.result.digest);
    // The changed copy was removed and the published file fetched again.
    expect((await readFile(cached)).equals(published)).toBe(true);
  });

  it('a cut below every stored state builds from the start', async () => {
    const early = (
      await db.pool.query<{ tx: string }>(
        'select tx_id::text as tx from hindsight.events order by tx_id, global_position offset 100 limit 1',
      )
    ).rows[0]?.tx;
    const dataset = await generate({ cut: Number(early) });
    expect(dataset.progress.base).toBeNull();
    const full = await generate({ cut: Number(early), incremental: false });
    expect(dataset.result.digest).toBe(full.result.digest);
  });
});
