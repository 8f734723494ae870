// (m) What a durable horizon costs. A reader at the end of the log and a cut hand out a horizon
// only once the WAL before it is flushed (PostgreSQL reuses the transaction ids of lost WAL
// after a crash). Measured while a writer appends through the gRPC server (each append is
// announced by an asynchronously committed NOTIFY, whose WAL is the usual unflushed tail):
// our end-of-log read and our cut, against the same queries without the check, in the same
// run, alternating. Appends are untouched by the check: (a) and (b) measure them.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { takeCut } from '../eventstore/cut.js';
import { readAll } from '../eventstore/readAll.js';
import { STORED_EVENT_COLUMNS } from '../eventstore/sql.js';
import type { Position } from '../eventstore/types.js';
import type { BenchEnvironment } from './environment.js';
import { percentile } from './measure.js';
import { benchEvent, toAppendRequest } from './payload.js';
import { figure, type Figure } from './report.js';

const CALLS = 2000;
const WARM_UP = 200;

/** The end-of-log read as it was before the check: the same statement, the horizon taken as is. */
const UNCHECKED_READ = /* sql */ `
  with h as (select pg_snapshot_xmin(pg_current_snapshot()) as bound)
  select h.bound, ev.*
    from h
    left join lateral (
      select ${STORED_EVENT_COLUMNS}
        from hindsight.events e
       where (e.tx_id, e.global_position) > ($1::text::xid8, $2::bigint) and e.tx_id < h.bound
       order by e.tx_id, e.global_position
       limit 1000
    ) ev on true`;

const UNCHECKED_CUT = `select pg_snapshot_xmin(pg_current_snapshot()) as horizon,
  (extract(epoch from clock_timestamp()) * 1000)::int8 as taken_at`;

/** Alternates the two sides call by call; returns each side's sorted latencies in ms. */
const alternateCalls = async (
  ours: () => Promise<unknown>,
  raw: () => Promise<unknown>,
): Promise<{ ours: number[]; raw: number[] }> => {
  const times = { ours: [] as number[], raw: [] as number[] };
  const sides = [
    ['ours', ours],
    ['raw', raw],
  ] as const;
  for (let i = 0; i < WARM_UP + CALLS; i++) {
    for (const [side, call] of sides) {
      const start = performance.now();
      await call();
      if (i >= WARM_UP) times[side].push(performance.now() - start);
    }
  }
  times.ours.sort((a, b) => a - b);
  times.raw.sort((a, b) => a - b);
  return times;
};

const p = (sorted: number[], at: number): string => percentile(sorted, at).toFixed(3);

export const durableHorizon = async (env: BenchEnvironment): Promise<Figure[]> => {
  const writer = env.grpc[0]?.client;
  if (!writer) throw new Error('no clients');
  console.log(
    `(m) durable horizons: ${CALLS} end-of-log reads and ${CALLS} cuts, each beside the same ` +
      'query without the WAL check, alternating, while one client appends',
  );
  const client = new pg.Client({ connectionString: env.databaseUrl });
  await client.connect();
  // Counts the WAL flushes our side makes (readAll's and the cut's).
  let flushes = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    if ((args[0] as { name?: unknown } | undefined)?.name === 'hindsight_flush_wal') flushes += 1;
    return query(...args);
  };
  let writing = true;
  let appends = 0;
  const appending = (async () => {
    while (writing) {
      const request = toAppendRequest({
        streamId: `horizon-${appends % 16}`,
        version: 0,
        events: [benchEvent()],
      });
      await new Promise<void>((resolve, reject) =>
        writer.append(request, (error) => (error ? reject(error) : resolve())),
      );
      appends += 1;
    }
  })();
  try {
    // Two followers of the log's end, ours and the unchecked query, each from its checkpoint.
    let ours: Position = { transactionId: 0, globalPosition: 0 };
    let raw = { tx: '0', position: '0' };
    for (;;) {
      const page = await readAll(client, { after: ours, limit: 1000 });
      ours = page.checkpoint;
      if (page.reachedEnd) break;
    }
    let held = 0;
    const reads = await alternateCalls(
      async () => {
        const page = await readAll(client, { after: ours, limit: 1000 });
        // Short of a durable horizon the checkpoint stays at the last event, or where it was.
        if (page.checkpoint.globalPosition !== 0 || page.checkpoint === ours) held += 1;
        ours = page.checkpoint;
      },
      async () => {
        // Named, as ours is: parsed once.
        const { rows } = await client.query<{
          bound: string;
          transactionId: string | null;
          globalPosition: string | null;
        }>({ name: 'bench_unchecked_read', text: UNCHECKED_READ, values: [raw.tx, raw.position] });
        const last = rows.at(-1);
        raw =
          last?.transactionId && rows.length === 1000
            ? { tx: last.transactionId, position: last.globalPosition ?? '0' }
            : { tx: rows[0]?.bound ?? raw.tx, position: '0' };
      },
    );
    const flushesOfReads = flushes;
    const cuts = await alternateCalls(
      () => takeCut(client),
      () => client.query({ name: 'bench_unchecked_cut', text: UNCHECKED_CUT }),
    );
    console.log(
      `  reads at the log's end: p50 ${p(reads.ours, 50)} vs ${p(reads.raw, 50)} ms unchecked, ` +
        `p99 ${p(reads.ours, 99)} vs ${p(reads.raw, 99)} ms; the checkpoint did not move up to a horizon ` +
        `in ${held} of ${WARM_UP + CALLS} reads (none new, or not durable yet); ${flushesOfReads} flushes`,
    );
    console.log(
      `  cuts: p50 ${p(cuts.ours, 50)} vs ${p(cuts.raw, 50)} ms unchecked, p99 ${p(cuts.ours, 99)} ` +
        `vs ${p(cuts.raw, 99)} ms; ${flushes - flushesOfReads} flushes (${appends} appends meanwhile)`,
    );
    return [
      figure(
        '(m) read at the log end, p50',
        'ms',
        percentile(reads.ours, 50),
        percentile(reads.raw, 50),
      ),
      figure('(m) cut, p50', 'ms', percentile(cuts.ours, 50), percentile(cuts.raw, 50)),
    ];
  } finally {
    writing = false;
    await appending.catch(() => undefined);
    await client.end();
  }
};
