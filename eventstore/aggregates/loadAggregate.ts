// Loads an aggregate: its latest valid snapshot, then the events after it, folded in order.
import { performance } from 'node:perf_hooks';
import { NotFoundError } from '../errors.js';
import { MAX_READ_LIMIT, type ReadStreamOptions, type StreamSlice } from '../readStream.js';
import type { Sql } from '../sql.js';
import { stateFromJson } from '../stateJson.js';
import { parseStoredEvent } from '../types.js';
import { validateStreamId } from '../validation.js';
import type { Aggregate } from './aggregate.js';
import { noteSlowLoad, readSnapshot } from './snapshots.js';

export interface LoadedAggregate<State> {
  state: State;
  /** The stream version the state includes. */
  version: number;
  /** The version of the snapshot the load started from; null when it replayed from the start. */
  snapshotVersion: number | null;
  eventsReplayed: number;
  loadMs: number;
}

export interface LoadAggregateOptions {
  /** False replays from the start, ignoring any snapshot (for checks and benchmarks). */
  useSnapshot?: boolean;
}

export interface LoadAggregateDeps {
  sql: Sql;
  /** The store's stream read, which upcasts: reducers always see the latest event versions. */
  readStream: (streamId: string, options: ReadStreamOptions) => Promise<StreamSlice>;
}

export const loadAggregate = async <State>(
  { sql, readStream }: LoadAggregateDeps,
  aggregate: Aggregate<State>,
  streamId: string,
  { useSnapshot = true }: LoadAggregateOptions = {},
): Promise<LoadedAggregate<State>> => {
  validateStreamId(streamId);
  const started = performance.now();
  const found = await readSnapshot(sql, aggregate as Aggregate, streamId);
  if (!found) throw new NotFoundError('stream', streamId);
  const snapshot = useSnapshot ? found.snapshot : null;
  let state = snapshot ? stateFromJson<State>(snapshot.state) : aggregate.initialState();
  let version = snapshot?.streamVersion ?? 0;
  let eventsReplayed = 0;
  // The stream may grow while it loads: the state is as of the versions read, never a mix.
  while (version < found.streamVersion) {
    const slice = await readStream(streamId, { fromVersion: version + 1, limit: MAX_READ_LIMIT });
    if (slice.events.length === 0) break;
    for (const stored of slice.events) {
      state = aggregate.evolve(state, parseStoredEvent(stored));
      version = stored.streamVersion;
    }
    eventsReplayed += slice.events.length;
  }
  const loadMs = performance.now() - started;
  const { maxLoadMs } = aggregate.policy;
  if (useSnapshot && maxLoadMs !== undefined && loadMs > maxLoadMs) {
    await noteSlowLoad(sql, aggregate as Aggregate, streamId, loadMs, eventsReplayed);
  }
  return {
    state,
    version,
    snapshotVersion: snapshot?.streamVersion ?? null,
    eventsReplayed,
    loadMs,
  };
};
