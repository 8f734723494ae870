// Moves a live evaluation along the log: its predictions enter, the outcomes the feature view
// labels them with are joined, and the rows, the view's state and the checkpoint are written
// in one transaction that first checks the checkpoint is still the one it started from. A
// crash or a second attempt can therefore neither count a prediction twice nor lose one.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import {
  type EventStore,
  type Position,
  type QuarantinedEventRecord,
  stateFromJson,
  stateToJson,
} from '../../eventstore/index.js';
import type { FeatureView } from '../../ml/featureView.js';
import {
  createPredictionJoin,
  type JoinedOutcome,
  type JoinedPrediction,
} from '../../ml/monitoring/predictionJoin.js';
import {
  commitLiveEvaluation,
  createLiveEvaluation,
  loadLiveEvaluation,
  pendingPredictions,
} from '../../ml/monitoring/liveEvaluationTables.js';
import { PREDICTION_CATEGORY, PREDICTION_MADE } from '../../platform/predictionEvents.js';
import { storedViewState } from '../../serving/liveFeatures.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { readLogUntil } from '../datasets/readLogUntil.js';
import { heartbeat } from '../heartbeat.js';

export interface LiveEvaluationDeps {
  store: Pick<
    EventStore,
    'readAll' | 'cut' | 'viewSnapshots' | 'upcasters' | 'quarantine' | 'firstEventWhere'
  >;
  pool: pg.Pool;
  views: FeatureViewRegistry;
}

export interface LiveEvaluationRef {
  /** Names the evaluation's rows; one evaluation per model is the rule. */
  name: string;
  modelName: string;
  view: string;
}

export interface AdvanceLiveEvaluationInput extends LiveEvaluationRef {
  /** Events read per call at most; the workflow calls again until the end. */
  maxEvents?: number;
}

export interface AdvanceLiveEvaluationResult {
  events: number;
  predictions: number;
  labelled: number;
  pending: number;
  position: Position;
  reachedEnd: boolean;
  /** Everything committed before it was read (the cut's time); null before the end. */
  caughtUpAt: number | null;
  /** Another attempt moved the checkpoint first: this one wrote nothing. */
  superseded: boolean;
}

/**
 * Where a new evaluation starts: the view's state stored with a dataset at or before the
 * model's first prediction (all later predictions come after it), else the log's start.
 */
const startingState = async (
  { store }: LiveEvaluationDeps,
  view: FeatureView<unknown>,
  modelName: string,
): Promise<{ state: unknown; position: Position }> => {
  const first = await store.firstEventWhere({
    category: PREDICTION_CATEGORY,
    type: PREDICTION_MADE,
    field: 'modelName',
    equals: modelName,
  });
  const before = first ? Number(first.transactionId) : Number.MAX_SAFE_INTEGER;
  return storedViewState(store, view, before);
};

const createRow = async (
  deps: LiveEvaluationDeps,
  view: FeatureView<unknown>,
  { name, modelName }: LiveEvaluationRef,
): Promise<void> => {
  const start = await startingState(deps, view, modelName);
  await createLiveEvaluation(deps.pool, name, {
    modelName,
    viewName: view.name,
    codeHash: view.codeHash,
    upcastersHash: deps.store.upcasters.codeHash,
    position: start.position,
    state: await promisify(gzip)(stateToJson(start.state)),
  });
};

const refuse = (message: string, type: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(message, type);

export const advanceLiveEvaluation = async (
  deps: LiveEvaluationDeps,
  { maxEvents = 50_000, ...ref }: AdvanceLiveEvaluationInput,
): Promise<AdvanceLiveEvaluationResult> => {
  const { pool, store } = deps;
  const view = deps.views.get(ref.view);
  let row = await loadLiveEvaluation(pool, ref.name);
  if (!row) {
    await createRow(deps, view, ref);
    row = await loadLiveEvaluation(pool, ref.name);
  }
  if (!row) throw new Error(`live evaluation '${ref.name}' could not be created`);
  if (row.modelName !== ref.modelName || row.viewName !== ref.view) {
    throw refuse(
      `live evaluation '${ref.name}' follows model '${row.modelName}' with view ` +
        `'${row.viewName}', not '${ref.modelName}' with '${ref.view}'`,
      'INVALID_ARGUMENT',
    );
  }
  if (row.codeHash !== view.codeHash || row.upcastersHash !== store.upcasters.codeHash) {
    throw refuse(
      `live evaluation '${ref.name}' was built by other code of view '${view.name}' or of the ` +
        'upcasters than this worker runs: its outcomes would not be comparable; start a new ' +
        'evaluation (another name) for this code',
      'FEATURE_VIEW_CHANGED',
    );
  }
  const from: Position = row.position;
  const state = stateFromJson<unknown>((await promisify(gunzip)(row.state)).toString());
  const join = createPredictionJoin(view, { modelName: ref.modelName, state, position: from });
  const cut = await store.cut();
  const predicted: JoinedPrediction[] = [];
  const outcomes: JoinedOutcome[] = [];
  let events = 0;
  let position = from;
  let reachedEnd = true;
  for await (const page of readLogUntil(store, {
    cut,
    after: from,
    batchSize: 2000,
    eventTypes: view.eventTypes ? [...view.eventTypes, PREDICTION_MADE] : undefined,
  })) {
    const quarantined: QuarantinedEventRecord[] = [];
    for (const event of page.events) {
      const joined = join.push(event);
      if (joined.predicted) predicted.push(joined.predicted);
      outcomes.push(...joined.outcomes);
      if (joined.quarantined) quarantined.push(joined.quarantined);
    }
    // The view went on without these (see ml/quarantine.ts): the quarantine says so.
    await store.quarantine.record(
      { view: view.name, codeHash: view.codeHash, upcastersHash: store.upcasters.codeHash },
      quarantined,
    );
    events += page.events.length;
    position = page.checkpoint;
    reachedEnd = page.reachedEnd;
    heartbeat({ events, predictions: predicted.length, outcomes: outcomes.length });
    if (events >= maxEvents && !page.reachedEnd) break;
  }
  const caughtUpAt = reachedEnd ? cut.takenAt : null;
  const labelled = await commitLiveEvaluation(
    pool,
    ref.name,
    from,
    {
      position,
      state: await promisify(gzip)(stateToJson(join.state)),
      events,
      caughtUpAt,
    },
    predicted,
    outcomes,
  );
  const written = labelled !== null;
  return {
    events: written ? events : 0,
    predictions: written ? predicted.length : 0,
    labelled: labelled ?? 0,
    pending: await pendingPredictions(pool, ref.name),
    position,
    reachedEnd,
    caughtUpAt: written ? caughtUpAt : null,
    superseded: !written,
  };
};
