// Joins a model's predictions to the outcomes the log brings later. The outcomes are the
// feature view's own labels, applied event by event in commit order: a prediction gets exactly
// the label a training row observed at the prediction's log position would get.
import { comparePositions, type Position, START } from '../../eventstore/index.js';
import { FeatureViewError } from '../errors.js';
import { HindsightError } from '../../platform/errors.js';
import { applyOrQuarantine, quarantineRecord, type QuarantinedEventRecord } from '../quarantine.js';
import {
  applyFailure,
  positionOf,
  type FeatureEmitter,
  type FeatureView,
  type Label,
  type LogEvent,
} from '../featureView.js';
import { PREDICTION_MADE } from '../../platform/predictionEvents.js';

// bench/ still imports this name from here; its home is platform/.
export { PREDICTION_MADE };

/** A PredictionMade event of the joined model, as it enters the join. */
export interface JoinedPrediction {
  predictionId: string;
  modelVersion: string;
  entityId: string;
  score: number;
  /** the event's recordedAt */
  predictedAt: number;
  position: Position;
}

export interface JoinedLabel {
  predictionId: string;
  entityId: string;
  label: Label;
  /** the labelling event's recordedAt */
  labelledAt: number;
  labelPosition: Position;
}

/** An outcome the view gave an entity: it labels the entity's predictions made before it. */
export interface JoinedOutcome {
  entityId: string;
  label: Label;
  /** the labelling event's recordedAt */
  labelledAt: number;
  labelPosition: Position;
}

export interface JoinStep {
  predicted: JoinedPrediction | null;
  /** The pending predictions (held by this join) that this event labelled. */
  labelled: JoinedLabel[];
  /**
   * Every outcome this event gave, whether or not this join holds predictions of the entity:
   * a store of earlier predictions applies them itself (the first outcome after a prediction).
   */
  outcomes: JoinedOutcome[];
  /** Set when the view could not take this event: the join went on without it. */
  quarantined?: QuarantinedEventRecord;
}

export interface PendingPrediction {
  predictionId: string;
  entityId: string;
  position: Position;
}

export interface PredictionJoinOptions<State> {
  modelName: string;
  /** resume: the view state after `position` (the join applies events to it, mutating it) */
  state?: State;
  position?: Position;
  pending?: Iterable<PendingPrediction>;
}

export interface PredictionJoin<State> {
  /** Applies the next event of the log (in commit order; refuses one not after the previous, like featureRun). */
  push(event: LogEvent): JoinStep;
  readonly state: State;
  readonly position: Position;
  readonly pending: number;
  /** The pending predictions, in log order (to store and resume from). */
  pendingPredictions(): PendingPrediction[];
}

/** Lower-case, as the predictor records them: ids are compared as text. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Event data and resume input may come from JSON: show what it really holds.
const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value !== '';

const isPosition = (value: unknown): value is Position => {
  if (typeof value !== 'object' || value === null) return false;
  const { transactionId, globalPosition } = value as Record<string, unknown>;
  return [transactionId, globalPosition].every(
    (part) => typeof part === 'number' && Number.isSafeInteger(part) && part >= 0,
  );
};

const copyPosition = ({ transactionId, globalPosition }: Position): Position => ({
  transactionId,
  globalPosition,
});

/** The prediction in a PredictionMade event, or null when another model made it. */
const predictionOf = (event: LogEvent, modelName: string): JoinedPrediction | null => {
  const { data } = event;
  if (data.modelName !== modelName) return null;
  const refuse = (field: string, rule: string): FeatureViewError =>
    new FeatureViewError(
      'INVALID_OBSERVATION',
      `${PREDICTION_MADE} event ${event.eventId}: data.${field} is ${describe(data[field])}: ${rule}`,
    );
  const { predictionId, modelVersion, entityId, score } = data;
  if (typeof predictionId !== 'string' || !UUID.test(predictionId)) {
    throw refuse('predictionId', 'it must be a lower-case UUID');
  }
  if (!isNonEmptyString(modelVersion))
    throw refuse('modelVersion', 'it must be a non-empty string');
  if (!isNonEmptyString(entityId)) throw refuse('entityId', 'it must be a non-empty string');
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
    throw refuse('score', 'a score must be a probability in [0, 1]');
  }
  return {
    predictionId,
    modelVersion,
    entityId,
    score,
    predictedAt: event.recordedAt,
    position: positionOf(event),
  };
};

/** Checked copies of the pending predictions to resume with, in log order. */
const resumedPending = (
  pending: Iterable<PendingPrediction>,
  position: Position,
): PendingPrediction[] => {
  const checked = [...pending].map((prediction, index) => {
    const invalid = (field: string, rule: string): HindsightError =>
      new HindsightError(
        'INVALID_ARGUMENT',
        `pending[${index}].${field} is ${describe((prediction as unknown as Record<string, unknown>)[field])}: ${rule}`,
      );
    const { predictionId, entityId, position: at } = prediction;
    if (typeof predictionId !== 'string' || !UUID.test(predictionId)) {
      throw invalid('predictionId', 'it must be a lower-case UUID');
    }
    if (!isNonEmptyString(entityId)) throw invalid('entityId', 'it must be a non-empty string');
    if (!isPosition(at)) throw invalid('position', 'it must be a log position');
    // A prediction after the resume position has not been pushed yet: it would come twice.
    if (comparePositions(at, position) > 0) {
      throw invalid('position', 'it is after the position the join resumes from');
    }
    return { predictionId, entityId, position: copyPosition(at) };
  });
  return checked.sort((a, b) => comparePositions(a.position, b.position));
};

export const createPredictionJoin = <State>(
  view: FeatureView<State>,
  options: PredictionJoinOptions<State>,
): PredictionJoin<State> => {
  const { modelName } = options;
  const invalid = (message: string): HindsightError =>
    new HindsightError('INVALID_ARGUMENT', `prediction join of '${view.name}': ${message}`);
  if (!isNonEmptyString(modelName)) {
    throw invalid(`modelName is ${describe(modelName)}: it must be a non-empty string`);
  }
  // A state without its position (or the reverse) would label from the wrong point of the log.
  if ((options.state === undefined) !== (options.position === undefined)) {
    throw invalid('resume with both the state and the position it is after, or with neither');
  }
  if (options.position !== undefined && !isPosition(options.position)) {
    throw invalid(`position is ${describe(options.position)}: it must be a log position`);
  }
  const eventTypes = view.eventTypes && new Set(view.eventTypes);
  const state = options.state ?? view.initialState();
  let position = options.position ? copyPosition(options.position) : START;
  let failedAt: string | undefined;

  /** Pending predictions by entity, each list in log order. */
  const pending = new Map<string, PendingPrediction[]>();
  let pendingCount = 0;
  /** Every prediction id this join has held, to refuse one made twice. */
  const seen = new Set<string>();
  const hold = (prediction: PendingPrediction): void => {
    if (seen.has(prediction.predictionId)) {
      throw invalid(`prediction ${prediction.predictionId} is pending twice`);
    }
    seen.add(prediction.predictionId);
    const predictions = pending.get(prediction.entityId);
    if (predictions) predictions.push(prediction);
    else pending.set(prediction.entityId, [prediction]);
    pendingCount += 1;
  };
  for (const prediction of resumedPending(options.pending ?? [], position)) hold(prediction);

  // The event being applied, and the predictions its apply labelled.
  let current: LogEvent | undefined;
  let labelledNow: { prediction: PendingPrediction; label: Label }[] = [];
  let outcomesNow: { entityId: string; label: Label }[] = [];
  // The predictions the labels at this event took, to give back if the event is quarantined.
  let takenNow: [string, PendingPrediction[]][] = [];
  const emit: FeatureEmitter = {
    // Features are the serving side's business: the join only wants outcomes.
    observe: () => undefined,
    label: (entityId, value) => {
      if (!current) throw new FeatureViewError('INVALID_OBSERVATION', 'label() outside apply()');
      if (value !== 0 && value !== 1) {
        throw new FeatureViewError('INVALID_OBSERVATION', `label ${String(value)} is not 0 or 1`);
      }
      outcomesNow.push({ entityId, label: value });
      // Every pending prediction precedes this event: PredictionMade never reaches the view.
      const predictions = pending.get(entityId);
      if (!predictions) return;
      pending.delete(entityId);
      pendingCount -= predictions.length;
      takenNow.push([entityId, predictions]);
      for (const prediction of predictions) labelledNow.push({ prediction, label: value });
    },
  };

  const applyToView = (event: LogEvent): Omit<JoinStep, 'predicted'> => {
    current = event;
    labelledNow = [];
    outcomesNow = [];
    takenNow = [];
    let quarantined: QuarantinedEventRecord | null;
    try {
      // A poison event is quarantined (see ml/quarantine.ts); a broken contract stops the join.
      quarantined = applyOrQuarantine(view, state, event, emit);
    } catch (error) {
      // The state may be half-updated: nothing after this event can be trusted.
      failedAt = event.eventId;
      throw applyFailure(view, event, error);
    } finally {
      current = undefined;
    }
    if (quarantined) {
      for (const [entityId, predictions] of takenNow) {
        pending.set(entityId, predictions);
        pendingCount += predictions.length;
      }
      return { labelled: [], outcomes: [], quarantined };
    }
    if (labelledNow.length > 1) {
      labelledNow.sort((a, b) => comparePositions(a.prediction.position, b.prediction.position));
    }
    const labelPosition = positionOf(event);
    return {
      labelled: labelledNow.map(({ prediction, label }) => ({
        predictionId: prediction.predictionId,
        entityId: prediction.entityId,
        label,
        labelledAt: event.recordedAt,
        labelPosition: copyPosition(labelPosition),
      })),
      outcomes: outcomesNow.map(({ entityId, label }) => ({
        entityId,
        label,
        labelledAt: event.recordedAt,
        labelPosition: copyPosition(labelPosition),
      })),
    };
  };

  return {
    push: (event) => {
      if (failedAt !== undefined) {
        throw new FeatureViewError(
          'RUN_FINISHED',
          `the prediction join failed at event ${failedAt}`,
        );
      }
      const at = positionOf(event);
      if (comparePositions(at, position) <= 0) {
        throw new FeatureViewError(
          'OUT_OF_ORDER',
          `event ${event.eventId} at (${at.transactionId}, ${at.globalPosition}) is not after ` +
            `(${position.transactionId}, ${position.globalPosition})`,
        );
      }
      if (event.type === PREDICTION_MADE) {
        // Checked before anything changes. A malformed or repeated prediction (the platform's
        // own event type, so only a broken writer or a hand-made insert makes one) is
        // quarantined: the join goes on past it, and the live evaluation counts it.
        let predicted: JoinedPrediction | null;
        try {
          predicted = predictionOf(event, modelName);
          if (predicted && seen.has(predicted.predictionId)) {
            throw new FeatureViewError(
              'INVALID_OBSERVATION',
              `${PREDICTION_MADE} event ${event.eventId}: data.predictionId ` +
                `${predicted.predictionId} was made before`,
            );
          }
        } catch (error) {
          if (!(error instanceof FeatureViewError)) throw error;
          position = at;
          return {
            predicted: null,
            labelled: [],
            outcomes: [],
            quarantined: quarantineRecord(event, 'schema', error.message),
          };
        }
        position = at;
        if (predicted) {
          hold({
            predictionId: predicted.predictionId,
            entityId: predicted.entityId,
            position: copyPosition(at),
          });
        }
        return { predicted, labelled: [], outcomes: [] };
      }
      position = at;
      if (eventTypes && !eventTypes.has(event.type)) {
        return { predicted: null, labelled: [], outcomes: [] };
      }
      return { predicted: null, ...applyToView(event) };
    },
    get state() {
      return state;
    },
    get position() {
      return copyPosition(position);
    },
    get pending() {
      return pendingCount;
    },
    pendingPredictions: () =>
      [...pending.values()]
        .flat()
        .sort((a, b) => comparePositions(a.position, b.position))
        .map((prediction) => ({ ...prediction, position: copyPosition(prediction.position) })),
  };
};
