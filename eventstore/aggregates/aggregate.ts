// Aggregates: a state folded from one stream's events. Loading one is its latest valid snapshot
// plus the events after it; a snapshot is valid only for the same stream, state schema version
// and reducer code (hashed), so a changed reducer rebuilds from the log and never reads a state
// the new code would not have made.
import { HindsightError } from '../../platform/errors.js';
import { createHash } from 'node:crypto';
import type { RecordedEvent } from '../types.js';

/** When a stream deserves a new snapshot. */
export interface SnapshotPolicy {
  /** Events since the last valid snapshot (or the start) that call for a new one. */
  everyEvents: number;
  /** A load slower than this notes the stream for the next snapshot run, whatever its length. */
  maxLoadMs?: number;
}

export interface AggregateDefinition<State> {
  /** The aggregate type's name, e.g. `work-order`: snapshots and statistics are keyed by it. */
  type: string;
  /** The stream category whose streams hold this aggregate (the stream id before its first `-`). */
  category: string;
  /** Bump it when the shape of the state changes; old snapshots then stop matching. */
  stateSchemaVersion: number;
  initialState: () => State;
  /** Folds one event into the state. It may change the state it gets and return it. */
  evolve: (state: State, event: RecordedEvent) => State;
  policy: SnapshotPolicy;
  /** Helpers `evolve` calls: their source is part of the code hash too. */
  code?: readonly ((...args: never[]) => unknown)[];
}

export interface Aggregate<State = unknown> extends AggregateDefinition<State> {
  /** sha256 over the type, state schema version and the reducer's source text. */
  readonly codeHash: string;
}

/** An aggregate of any state, for collections of aggregates (a project, a registry). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each aggregate's state is its own
export type AnyAggregate = Aggregate<any>;

const NAME = /^[a-z][a-z0-9_.]*(?:-[a-z0-9_.]+)*$/;

export const computeAggregateCodeHash = (definition: AggregateDefinition<unknown>): string =>
  createHash('sha256')
    .update(
      JSON.stringify({
        type: definition.type,
        category: definition.category,
        stateSchemaVersion: definition.stateSchemaVersion,
        code: [definition.initialState, definition.evolve, ...(definition.code ?? [])].map((fn) =>
          fn.toString(),
        ),
      }),
    )
    .digest('hex');

export const defineAggregate = <State>(
  definition: AggregateDefinition<State>,
): Aggregate<State> => {
  if (!NAME.test(definition.type) || definition.type.length > 100) {
    throw new Error(`aggregate type '${definition.type}' must be lowercase words joined by '-'`);
  }
  if (!definition.category || definition.category.includes('-')) {
    throw new Error(`aggregate '${definition.type}': category '${definition.category}' has a '-'`);
  }
  if (!Number.isSafeInteger(definition.stateSchemaVersion) || definition.stateSchemaVersion < 1) {
    throw new Error(
      `aggregate '${definition.type}': stateSchemaVersion must be a positive integer`,
    );
  }
  const { everyEvents, maxLoadMs } = definition.policy;
  if (!Number.isSafeInteger(everyEvents) || everyEvents < 1) {
    throw new Error(
      `aggregate '${definition.type}': policy.everyEvents must be a positive integer`,
    );
  }
  if (maxLoadMs !== undefined && !(maxLoadMs > 0)) {
    throw new Error(`aggregate '${definition.type}': policy.maxLoadMs must be positive`);
  }
  return Object.freeze({
    ...definition,
    codeHash: computeAggregateCodeHash(definition as AggregateDefinition<unknown>),
  });
};

/** Aggregates by type, as a worker or server knows them. */
export interface AggregateRegistry {
  readonly types: readonly string[];
  get: (type: string) => Aggregate;
  has: (type: string) => boolean;
}

export class UnknownAggregateError extends HindsightError {
  constructor(
    readonly aggregateType: string,
    known: readonly string[],
  ) {
    super(
      'INVALID_ARGUMENT',
      `aggregate type '${aggregateType}' is unknown` +
        (known.length ? ` (known: ${known.join(', ')})` : ' (none are registered)'),
      { reason: 'UNKNOWN_AGGREGATE_TYPE', metadata: { aggregate_type: aggregateType } },
    );
    this.name = 'UnknownAggregateError';
  }
}

export const createAggregateRegistry = (aggregates: readonly AnyAggregate[]): AggregateRegistry => {
  const byType = new Map<string, Aggregate>();
  for (const aggregate of aggregates) {
    if (byType.has(aggregate.type)) throw new Error(`aggregate '${aggregate.type}' twice`);
    byType.set(aggregate.type, aggregate);
  }
  const types = [...byType.keys()].sort();
  return {
    types,
    has: (type) => byType.has(type),
    get: (type) => {
      const aggregate = byType.get(type);
      if (!aggregate) throw new UnknownAggregateError(type, types);
      return aggregate;
    },
  };
};
