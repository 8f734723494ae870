// How far behind the log a projection is, sampled from the outside: LiveEvaluationWorkflow's row
// in hindsight.live_evaluations, and the baseline, a plain pg poller in this process that reads
// the same events the same way (take the horizon, read what is below it after its position, wait
// the same poll interval, again). Lag is the time since everything committed before it was read
// (now − caught-up time, both on PostgreSQL's clock); `behind` counts the events of its types
// committed after its position.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { percentile } from './measure.js';

export interface LagSample {
  lagMs: number;
  behind: number;
}

export interface LagStats {
  samples: number;
  p50: number;
  max: number;
  behindP50: number;
  behindMax: number;
}

export const lagStats = (samples: readonly LagSample[]): LagStats => {
  const lags = samples.map((s) => s.lagMs).sort((a, b) => a - b);
  const behind = samples.map((s) => s.behind).sort((a, b) => a - b);
  return {
    samples: samples.length,
    p50: percentile(lags, 50),
    max: lags.at(-1) ?? Number.NaN,
    behindP50: percentile(behind, 50),
    behindMax: behind.at(-1) ?? Number.NaN,
  };
};

export const describeLag = (s: LagStats): string =>
  `lag p50 ${s.p50.toFixed(0)} ms, max ${s.max.toFixed(0)} ms; events behind p50 ` +
  `${s.behindP50}, max ${s.behindMax} (${s.samples} samples)`;

interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

export interface PlainPoller {
  /** The horizon's time (ms on PostgreSQL's clock) at its last read; null before the first. */
  caughtUpAtMs: number | null;
  position: Checkpoint;
  events: number;
  reads: number;
  stop(): Promise<void>;
}

/** Reads the events of `types` after `from`, below the horizon, every `pollMs`, until stopped. */
export const startPlainPoller = (
  client: pg.Client,
  types: readonly string[],
  from: Checkpoint,
  pollMs: number,
): PlainPoller => {
  let stopped = false;
  const poller: PlainPoller = {
    caughtUpAtMs: null,
    position: from,
    events: 0,
    reads: 0,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
  const readOnce = async (): Promise<void> => {
    const { rows: cut } = await client.query<{ horizon: string; at: number }>(
      `select pg_snapshot_xmin(pg_current_snapshot())::text as horizon,
              extract(epoch from clock_timestamp()) * 1000 as at`,
    );
    const horizon = cut[0];
    if (!horizon) throw new Error('no horizon');
    const { rows } = await client.query<{ tx: string; pos: string }>(
      `select *, tx_id::text as tx, global_position::text as pos from hindsight.events
        where (tx_id, global_position) > ($1::text::xid8, $2) and tx_id < $3::text::xid8
          and event_type = any($4::text[])
        order by tx_id, global_position`,
      [poller.position.transactionId, poller.position.globalPosition, horizon.horizon, types],
    );
    const last = rows.at(-1);
    if (last) poller.position = { transactionId: last.tx, globalPosition: last.pos };
    poller.events += rows.length;
    poller.reads += 1;
    poller.caughtUpAtMs = Number(horizon.at);
  };
  const loop = (async () => {
    while (!stopped) {
      await readOnce();
      await sleep(pollMs);
    }
  })();
  return poller;
};

export interface LagSampler {
  workflow: LagSample[];
  baseline: LagSample[];
  /** The workflow's `events` column at each sample, with the time (ms, this process). */
  projected: { atMs: number; events: number }[];
  stop(): Promise<void>;
}

/** Every `everyMs`, one query for both lags; samples start once both have caught up once. */
export const startLagSampler = (
  client: pg.Client,
  evaluation: string,
  types: readonly string[],
  poller: PlainPoller,
  everyMs: number,
): LagSampler => {
  let stopped = false;
  const sampler: LagSampler = {
    workflow: [],
    baseline: [],
    projected: [],
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
  const sampleOnce = async (): Promise<void> => {
    // The poller's state before the query: its lag at the query's `now` is not understated.
    const { caughtUpAtMs, position } = poller;
    const { rows } = await client.query<{
      now: number;
      caught: number | null;
      events: string;
      behind: string;
      baseline_behind: string;
    }>(
      `select extract(epoch from clock_timestamp()) * 1000 as now,
              extract(epoch from le.caught_up_at) * 1000 as caught,
              le.events::text as events,
              (select count(*) from hindsight.events e
                where (e.tx_id, e.global_position) > (le.last_tx, le.last_position)
                  and e.event_type = any($2::text[]))::text as behind,
              (select count(*) from hindsight.events e
                where (e.tx_id, e.global_position) > ($3::text::xid8, $4)
                  and e.event_type = any($2::text[]))::text as baseline_behind
         from hindsight.live_evaluations le where le.name = $1`,
      [evaluation, types, position.transactionId, position.globalPosition],
    );
    const row = rows[0];
    if (!row || row.caught === null || caughtUpAtMs === null) return;
    const now = Number(row.now);
    sampler.workflow.push({ lagMs: now - Number(row.caught), behind: Number(row.behind) });
    sampler.baseline.push({
      lagMs: now - caughtUpAtMs,
      behind: Number(row.baseline_behind),
    });
    sampler.projected.push({ atMs: performance.now(), events: Number(row.events) });
  };
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await sampleOnce();
      await sleep(Math.max(0, everyMs - (performance.now() - started)));
    }
  })();
  return sampler;
};
