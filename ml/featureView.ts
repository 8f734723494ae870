// A feature view is code: a reducer over the log in commit order. At trigger events it
// observes an entity (features from the state so far); later outcome events label those
// observations. Events reach it one at a time in commit order, so a feature can only see
// what was recorded before the observation: leakage is impossible by construction.
import type { JsonObject, Position, StoredEvent } from '../eventstore/index.js';
import { computeCodeHash, type ViewCode } from './codeHash.js';
import { FeatureViewError } from './errors.js';
import { HindsightError } from '../platform/errors.js';
import { VIEW_NAME } from './names.js';

/** The fields of a recorded event that a view reads. Every `RecordedEvent` is one. */
export interface LogEvent {
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  data: JsonObject;
  /** Business time, ms since the epoch. */
  occurredAt: number;
  recordedAt: number;
  globalPosition: number;
  transactionId: number;
  /**
   * Set when the upcasters failed on the event: `data` is as stored, at `schemaVersion`. A run
   * quarantines such an event instead of applying it (see quarantine.ts).
   */
  upcastError?: string;
}

export type FeatureValue = number | string | boolean | null;
/** A feature's column type; every value of the feature is of it, or null. */
export type FeatureType = 'number' | 'string' | 'boolean';
export const FEATURE_TYPES: readonly FeatureType[] = ['number', 'string', 'boolean'];
export type Features = Readonly<Record<string, FeatureValue>>;
export type Label = 0 | 1;

/** One observation of an entity, with its outcome once the log has it. */
export interface FeatureRow {
  readonly entityId: string;
  /** Business time of the observation: the trigger event's `occurredAt`. */
  readonly observedAt: number;
  /** Log position of the trigger event. */
  readonly position: Position;
  /** Every feature of the view (`featureNames` gives the columns' order). */
  readonly features: Features;
  readonly label: Label | null;
  /** Log position and business time of the event that gave the label. */
  readonly labelPosition: Position | null;
  readonly labelledAt: number | null;
}

/**
 * What a view's `apply` may do at an event. `observe` records an observation at this event's
 * position with the features as given now (they are copied: nothing later can change them).
 * `label` gives the outcome to the entity's observations made at earlier events that have
 * none yet; an observation made at this very event stays unlabelled, because its outcome
 * must come from later in the log.
 */
export interface FeatureEmitter {
  observe: (entityId: string, features: Features) => void;
  label: (entityId: string, value: Label) => void;
}

/**
 * When an observation's label is final. An observation made at business time t matures once the
 * log's clock (the newest business time of the events the view has read, in commit order)
 * passes t + `within`: an outcome the view gave it by then is its label; without one, it takes
 * `otherwise` (a label, or `'drop'` to leave the observation out). An outcome that comes after
 * maturity changes nothing. Rows not yet mature at a dataset's cut are `immature`: kept out of
 * training and evaluation, because only the fast outcomes among them would be known.
 */
export interface LabelHorizon {
  /** Milliseconds of business time after the observation; a positive integer. */
  within: number;
  /** The label of an observation that matured without an outcome, or `'drop'`. */
  otherwise: Label | 'drop';
}

export interface FeatureViewDefinition<State> {
  /** Lower-case snake case: it names datasets, experiments and models. */
  name: string;
  /** A positive integer; raise it when the meaning of a feature or label changes. */
  version: number;
  /** Every observation has exactly these features; their order is the dataset's columns. */
  featureNames: readonly string[];
  /**
   * The type of each feature that is not a number: datasets get a stable typed schema from it
   * (a column is never guessed from its values), and an observation of another type is refused.
   */
  featureTypes?: Readonly<Record<string, FeatureType>>;
  /**
   * When labels are final (see `LabelHorizon`). Without one, an observation stays unlabelled
   * until an outcome comes, however late, and unlabelled rows are left out of training.
   */
  labelHorizon?: LabelHorizon;
  /** The event types `apply` reads. Others are skipped, so readers may filter on these. */
  eventTypes?: readonly string[];
  /**
   * A fresh state, made of what snapshots can write as JSON: plain objects, arrays, Maps, Sets,
   * numbers, strings, booleans and null. Key entities by Maps: any id is safe there.
   */
  initialState: () => State;
  /** Applies one event to the state (mutating it) and emits observations and labels. */
  apply: (state: State, event: LogEvent, emit: FeatureEmitter) => void;
  /**
   * The features of an entity as of business time `now`, read from the state (never changing
   * it); null when the view does not know the entity or has closed it. Online prediction
   * scores these. Let `apply` observe with this same function, so that a prediction and a
   * training row made at the same log position and time have the same features.
   */
  featuresNow?: (state: State, entityId: string, now: number) => Features | null;
  /** The entities `featuresNow` knows, in a stable order: what batch scoring scores. */
  openEntities?: (state: State) => readonly string[];
  /**
   * Everything else the view's behaviour depends on, so that it reaches `codeHash`: the
   * helper functions `apply` calls and the module constants they read.
   */
  code?: readonly ViewCode[];
  constants?: JsonObject;
}

export interface FeatureView<State> extends Readonly<FeatureViewDefinition<State>> {
  /** The type of every feature, numbers included, in the order of `featureNames`. */
  readonly featureTypes: Readonly<Record<string, FeatureType>>;
  /**
   * sha256 (hex) over the name, version, feature names, event types, constants and the source
   * text of the functions, as the running build has them: editing the code changes it.
   */
  readonly codeHash: string;
}

/** A feature view of any state, for collections of views (a project, a registry). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each view's state is its own
export type AnyFeatureView = FeatureView<any>;

const FEATURE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Column names a dataset uses besides the features. */
export const RESERVED_COLUMNS: readonly string[] = [
  'entity_id',
  'observed_at',
  'transaction_id',
  'global_position',
  'label',
  'label_transaction_id',
  'label_global_position',
  'labelled_at',
];

export const defineFeatureView = <State>(
  definition: FeatureViewDefinition<State>,
): FeatureView<State> => {
  const { name, version, featureNames } = definition;
  const invalid = (message: string): HindsightError =>
    new HindsightError('INVALID_ARGUMENT', `feature view '${name}': ${message}`);
  if (!VIEW_NAME.test(name)) throw invalid('the name must be lower-case snake case');
  if (!Number.isSafeInteger(version) || version < 1) {
    throw invalid('the version must be a positive integer');
  }
  if (featureNames.length === 0) throw invalid('there must be at least one feature');
  for (const feature of featureNames) {
    if (!FEATURE_NAME.test(feature)) throw invalid(`feature '${feature}' is not snake case`);
    if (RESERVED_COLUMNS.includes(feature)) throw invalid(`feature '${feature}' is reserved`);
  }
  if (new Set(featureNames).size !== featureNames.length) throw invalid('duplicate features');
  const declared = definition.featureTypes ?? {};
  for (const [feature, type] of Object.entries(declared)) {
    if (!featureNames.includes(feature)) throw invalid(`type of unknown feature '${feature}'`);
    if (!FEATURE_TYPES.includes(type)) {
      throw invalid(
        `feature '${feature}' has type '${String(type)}', not number, string or boolean`,
      );
    }
  }
  const horizon = definition.labelHorizon;
  if (horizon !== undefined) {
    if (!Number.isSafeInteger(horizon.within) || horizon.within < 1) {
      throw invalid(
        `labelHorizon.within must be a positive whole number of milliseconds, not ${String(horizon.within)}`,
      );
    }
    if (horizon.otherwise !== 0 && horizon.otherwise !== 1 && horizon.otherwise !== 'drop') {
      throw invalid(
        `labelHorizon.otherwise must be 0, 1 or 'drop', not ${JSON.stringify(horizon.otherwise)}`,
      );
    }
  }
  const featureTypes = Object.freeze(
    Object.fromEntries(featureNames.map((feature) => [feature, declared[feature] ?? 'number'])),
  );
  return Object.freeze({
    ...definition,
    // A copy, frozen: the horizon the code hash took is the one every run uses.
    ...(horizon === undefined
      ? {}
      : { labelHorizon: Object.freeze({ within: horizon.within, otherwise: horizon.otherwise }) }),
    featureNames: Object.freeze([...featureNames]),
    featureTypes,
    codeHash: computeCodeHash({
      ...definition,
      featureTypes,
      ...(horizon === undefined
        ? {}
        : { labelHorizon: { within: horizon.within, otherwise: horizon.otherwise } }),
    }),
  });
};

export const positionOf = (event: LogEvent): Position => ({
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});

/** What a view reads of a stored event: its data parsed, its metadata left alone. */
export const logEventOf = (event: StoredEvent): LogEvent => ({
  eventId: event.eventId,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: JSON.parse(event.data) as JsonObject,
  occurredAt: event.occurredAt,
  recordedAt: event.recordedAt,
  globalPosition: event.globalPosition,
  transactionId: event.transactionId,
  ...(event.upcastError === undefined ? {} : { upcastError: event.upcastError }),
});

/**
 * The view's error at an event, as one `FeatureViewError`: its own errors pass as they are,
 * anything else is a bug in the view (`APPLY_FAILED`), which fails again on every retry.
 */
export const applyFailure = (
  view: Pick<FeatureView<unknown>, 'name'>,
  event: LogEvent,
  error: unknown,
): FeatureViewError =>
  error instanceof FeatureViewError
    ? error
    : new FeatureViewError(
        'APPLY_FAILED',
        `feature view '${view.name}' failed at event ${event.eventId} (${event.type} of ` +
          `${event.streamId}): ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
