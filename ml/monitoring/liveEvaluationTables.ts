// The live evaluation projection's reads and writes of its own tables (liveEvaluationSchema.ts
// creates them): its checkpoint and view state, and each prediction with its outcome. The row
// and the predictions move in one transaction, so a retry can neither count one twice nor lose one.
import type pg from 'pg';
import type { Position, Sql } from '../../eventstore/index.js';
import type { LivePrediction } from './liveWindows.js';
import type { JoinedOutcome, JoinedPrediction } from './predictionJoin.js';

export interface LiveEvaluationRow {
  modelName: string;
  viewName: string;
  codeHash: string;
  upcastersHash: string;
  position: Position;
  /** The view's state at `position`, gzipped JSON. */
  state: Buffer;
}

export const loadLiveEvaluation = async (
  sql: Sql,
  name: string,
): Promise<LiveEvaluationRow | null> => {
  const { rows } = await sql.query<{
    model_name: string;
    view_name: string;
    code_hash: string;
    upcasters_hash: string;
    last_tx: string;
    last_position: string;
    state: Buffer;
  }>(
    `select model_name, view_name, code_hash, upcasters_hash, last_tx::text, last_position::text,
            state
       from hindsight.live_evaluations where name = $1`,
    [name],
  );
  const row = rows[0];
  return row
    ? {
        modelName: row.model_name,
        viewName: row.view_name,
        codeHash: row.code_hash,
        upcastersHash: row.upcasters_hash,
        position: { transactionId: Number(row.last_tx), globalPosition: Number(row.last_position) },
        state: row.state,
      }
    : null;
};

/** Starts an evaluation's row unless one of that name exists (then it is left as it is). */
export const createLiveEvaluation = async (
  sql: Sql,
  name: string,
  row: LiveEvaluationRow,
): Promise<void> => {
  await sql.query(
    `insert into hindsight.live_evaluations
       (name, model_name, view_name, code_hash, upcasters_hash, last_tx, last_position, state)
     values ($1, $2, $3, $4, $5, $6::text::xid8, $7, $8)
     on conflict (name) do nothing`,
    [
      name,
      row.modelName,
      row.viewName,
      row.codeHash,
      row.upcastersHash,
      String(row.position.transactionId),
      row.position.globalPosition,
      row.state,
    ],
  );
};

/** Predictions still waiting for an outcome (counted on the partial index of them). */
export const pendingPredictions = async (sql: Sql, name: string): Promise<number> => {
  const { rows } = await sql.query<{ n: string }>(
    `select count(*)::text as n from hindsight.live_predictions
      where evaluation = $1 and label is null`,
    [name],
  );
  return Number(rows[0]?.n ?? 0);
};

export interface LiveEvaluationAdvance {
  position: Position;
  state: Buffer;
  events: number;
  caughtUpAt: number | null;
}

/**
 * Writes what one advance read, if the checkpoint is still at `from`: the new predictions, then
 * each waiting prediction's first outcome after it (so a prediction made in this advance and
 * labelled in it too is covered). Returns the predictions labelled, or null when superseded.
 */
export const commitLiveEvaluation = async (
  pool: pg.Pool,
  name: string,
  from: Position,
  to: LiveEvaluationAdvance,
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

/** The evaluation's predictions made in [from, until) (ms), in time order. */
export const livePredictionsBetween = async (
  sql: Sql,
  name: string,
  from: number,
  until: number,
): Promise<LivePrediction[]> => {
  const { rows } = await sql.query<{
    id: string;
    version: string;
    entity: string;
    score: number;
    at: string;
    label: number | null;
    labelled_at: string | null;
  }>(
    `select prediction_id::text as id, model_version as version, entity_id as entity, score,
            (extract(epoch from predicted_at) * 1000)::bigint::text as at, label,
            (extract(epoch from labelled_at) * 1000)::bigint::text as labelled_at
       from hindsight.live_predictions
      where evaluation = $1 and predicted_at >= to_timestamp($2 / 1000.0)
        and predicted_at < to_timestamp($3 / 1000.0)
      order by predicted_at, prediction_id`,
    [name, from, until],
  );
  return rows.map((r) => ({
    predictionId: r.id,
    modelVersion: r.version,
    entityId: r.entity,
    score: r.score,
    predictedAt: Number(r.at),
    label: r.label === null ? null : (r.label as 0 | 1),
    labelledAt: r.labelled_at === null ? null : Number(r.labelled_at),
  }));
};

/** When the evaluation's first prediction was made (ms), or null before any. */
export const firstLivePredictionAt = async (sql: Sql, name: string): Promise<number | null> => {
  const { rows } = await sql.query<{ at: string | null }>(
    `select (extract(epoch from min(predicted_at)) * 1000)::bigint::text as at
       from hindsight.live_predictions where evaluation = $1`,
    [name],
  );
  const at = rows[0]?.at;
  return at === null || at === undefined ? null : Number(at);
};

export interface LiveEvaluationPosition {
  name: string;
  position: Position;
  updatedAt: number;
}

const UNDEFINED_TABLE = '42P01';

/**
 * Where each live evaluation has read the log to, in name order; none while the projection's
 * tables do not exist yet (no worker has started on this database).
 */
export const liveEvaluationPositions = async (
  sql: Sql,
  limit: number,
): Promise<LiveEvaluationPosition[]> => {
  try {
    const { rows } = await sql.query<{ name: string; tx: string; pos: string; updated_at: Date }>(
      `select name, last_tx::text as tx, last_position as pos, updated_at
         from hindsight.live_evaluations order by name limit $1`,
      [limit],
    );
    return rows.map((row) => ({
      name: row.name,
      position: { transactionId: Number(row.tx), globalPosition: Number(row.pos) },
      updatedAt: row.updated_at.getTime(),
    }));
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return [];
    throw error;
  }
};
