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
import { PREDICTION_MADE } from '../../platform/predictionEvents.js';
import { storedViewState } from '../../serving/liveFeatures.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { readLogUntil } from '../datasets/readLogUntil.js';
import { heartbeat } from '../heartbeat.js';

export interface LiveEvaluationDeps {
  store: Pick<EventStore, 'readAll' | 'cut' | 'viewSnapshots' | 'upcasters' | 'quarantine'>;
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

interface EvaluationRow {
  model_name: string;
  view_name: string;
  code_hash: string;
  upcasters_hash: string;
  last_tx: string;
  last_position: string;
  state: Buffer;
}

const loadRow = async (pool: pg.Pool, name: string): Promise<EvaluationRow | null> => {
  const { rows } = await pool.query<EvaluationRow>(
    `select model_name, view_name, code_hash, upcasters_hash, last_tx::text, last_position::text,
            state
       from hindsight.live_evaluations where name = $1`,
    [name],
  );
  return rows[0] ?? null;
};

/**
 * Where a new evaluation starts: the view's state stored with a dataset at or before the
 * model's first prediction (all later predictions come after it), else the log's start.
 */
const startingState = async (
  { store, pool }: LiveEvaluationDeps,
  view: FeatureView<unknown>,
  modelName: string,
): Promise<{ state: unknown; position: Position }> => {
  const { rows } = await pool.query<{ tx: string }>(
    `select tx_id::text as tx from hindsight.events
      where event_type = $1 and data->>'modelName' = $2
      order by tx_id, global_position limit 1`,
    [PREDICTION_MADE, modelName],
  );
  const before = rows[0] ? Number(rows[0].tx) : Number.MAX_SAFE_INTEGER;
  return storedViewState(store, view, before);
};

const createRow = async (
  deps: LiveEvaluationDeps,
  view: FeatureView<unknown>,
  { name, modelName }: LiveEvaluationRef,
): Promise<void> => {
  const start = await startingState(deps, view, modelName);
  await deps.pool.query(
    `insert into hindsight.live_evaluations
       (name, model_name, view_name, code_hash, upcasters_hash, last_tx, last_position, state)
     values ($1, $2, $3, $4, $5, $6::text::xid8, $7, $8)
     on conflict (name) do nothing`,
    [
      name,
      modelName,
      view.name,
      view.codeHash,
      deps.store.upcasters.codeHash,
      String(start.position.transactionId),
      start.position.globalPosition,
      await promisify(gzip)(stateToJson(start.state)),
    ],
  );
};

/** Predictions still waiting for an outcome (counted on the partial index of them). */
const pendingCount = async (pool: pg.Pool, name: string): Promise<number> => {
  const { rows } = await pool.query<{ n: string }>(
    `select count(*)::text as n from hindsight.live_predictions
      where evaluation = $1 and label is null`,
    [name],
  );
  return Number(rows[0]?.n ?? 0);
};

const refuse = (message: string, type: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(message, type);

/**
 * Writes what one call read, if the checkpoint is still where it started: the new predictions,
 * then each waiting prediction's first outcome after it (so a prediction made in this call and
 * labelled in it too is covered). Returns the predictions labelled, or null when superseded.
 */
const commit = async (
  pool: pg.Pool,
  name: string,
  from: Position,
  to: { position: Position; state: Buffer; events: number; caughtUpAt: number | null },
  predicted: readonly JoinedPrediction[],
  outcomes: readonly JoinedOutcome[],
): Promise<number | null> => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ tx: string; pos: string }>(
      `select last_tx::text as tx, last_position::text as pos from hindsight.live_evaluations
        where name = $1 for update`,
      [name],
    );
    const current = rows[0];
    if (
      !current ||
      Number(current.tx) !== from.transactionId ||
      Number(current.pos) !== from.globalPosition
    ) {
      await client.query('rollback');
      return null;
    }
    if (predicted.length > 0) {
      await client.query(
        `insert into hindsight.live_predictions
           (evaluation, prediction_id, model_version, entity_id, score, predicted_at, tx_id,
            global_position)
         select $1, p.id::uuid, p.version, p.entity, p.score, to_timestamp(p.at / 1000.0),
                p.tx::xid8, p.pos
           from unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[],
                       $7::text[], $8::bigint[]) as p(id, version, entity, score, at, tx, pos)`,
        [
          name,
          predicted.map((p) => p.predictionId),
          predicted.map((p) => p.modelVersion),
          predicted.map((p) => p.entityId),
          predicted.map((p) => p.score),
          predicted.map((p) => p.predictedAt),
          predicted.map((p) => String(p.position.transactionId)),
          predicted.map((p) => p.position.globalPosition),
        ],
      );
    }
    let labelled = 0;
    if (outcomes.length > 0) {
      // Only the waiting predictions of the entities these outcomes name are read (a partial
      // index), never all of them.
      const result = await client.query(
        `with outcome as (
           select * from unnest($2::text[], $3::smallint[], $4::float8[], $5::text[], $6::bigint[])
                    as o(entity, label, at, tx, pos)
         ), first_outcome as (
           select distinct on (p.prediction_id) p.prediction_id, o.label, o.at, o.tx, o.pos
             from hindsight.live_predictions p
             join outcome o on o.entity = p.entity_id
                           and (o.tx::xid8, o.pos) > (p.tx_id, p.global_position)
            where p.evaluation = $1 and p.label is null
              and p.entity_id = any(select entity from outcome)
            order by p.prediction_id, o.tx::xid8, o.pos
         )
         update hindsight.live_predictions p
            set label = f.label, labelled_at = to_timestamp(f.at / 1000.0),
                label_tx = f.tx::xid8, label_position = f.pos
           from first_outcome f
          where p.evaluation = $1 and p.prediction_id = f.prediction_id`,
        [
          name,
          outcomes.map((o) => o.entityId),
          outcomes.map((o) => o.label),
          outcomes.map((o) => o.labelledAt),
          outcomes.map((o) => String(o.labelPosition.transactionId)),
          outcomes.map((o) => o.labelPosition.globalPosition),
        ],
      );
      labelled = result.rowCount ?? 0;
    }
    await client.query(
      `update hindsight.live_evaluations
          set last_tx = $2::text::xid8, last_position = $3, state = $4, events = events + $5,
              caught_up_at = coalesce(to_timestamp($6::float8 / 1000.0), caught_up_at),
              updated_at = now()
        where name = $1`,
      [
        name,
        String(to.position.transactionId),
        to.position.globalPosition,
        to.state,
        to.events,
        to.caughtUpAt,
      ],
    );
    await client.query('commit');
    return labelled;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

export const advanceLiveEvaluation = async (
  deps: LiveEvaluationDeps,
  { maxEvents = 50_000, ...ref }: AdvanceLiveEvaluationInput,
): Promise<AdvanceLiveEvaluationResult> => {
  const { pool, store } = deps;
  const view = deps.views.get(ref.view);
  let row = await loadRow(pool, ref.name);
  if (!row) {
    await createRow(deps, view, ref);
    row = await loadRow(pool, ref.name);
  }
  if (!row) throw new Error(`live evaluation '${ref.name}' could not be created`);
  if (row.model_name !== ref.modelName || row.view_name !== ref.view) {
    throw refuse(
      `live evaluation '${ref.name}' follows model '${row.model_name}' with view ` +
        `'${row.view_name}', not '${ref.modelName}' with '${ref.view}'`,
      'INVALID_ARGUMENT',
    );
  }
  if (row.code_hash !== view.codeHash || row.upcasters_hash !== store.upcasters.codeHash) {
    throw refuse(
      `live evaluation '${ref.name}' was built by other code of view '${view.name}' or of the ` +
        'upcasters than this worker runs: its outcomes would not be comparable; start a new ' +
        'evaluation (another name) for this code',
      'FEATURE_VIEW_CHANGED',
    );
  }
  const from: Position = {
    transactionId: Number(row.last_tx),
    globalPosition: Number(row.last_position),
  };
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
  const labelled = await commit(
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
    pending: await pendingCount(pool, ref.name),
    position,
    reachedEnd,
    caughtUpAt: written ? caughtUpAt : null,
    superseded: !written,
  };
};
