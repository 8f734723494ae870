// Upcasting migrations in PostgreSQL: rewrite stored events of one type to a later schema
// version, in batches in commit order, each batch one short transaction that keeps the original
// payloads in `event_revisions` and moves the migration's cursor. Appends never wait for it:
// they insert new rows, and a batch only locks the rows it rewrites.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { takeCut } from '../cut.js';
import type { Sql } from '../sql.js';
import type { JsonObject } from '../types.js';
import { canonicalJson } from './canonicalJson.js';
import type { UpcasterRegistry } from './upcasters.js';

export type MigrationStatus = 'running' | 'completed' | 'failed' | 'undoing' | 'undone';

export interface MigrationRecord {
  migrationId: string;
  eventType: string;
  toVersion: number;
  cutTransactionId: number;
  status: MigrationStatus;
  total: number;
  migrated: number;
  restored: number;
  /** The undo's cursor: originals up to this position are back. */
  restorePosition: number;
  lastPosition: { transactionId: number; globalPosition: number };
  digestBefore: string | null;
  digestAfter: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export class MigrationError extends Error {
  constructor(
    readonly code:
      | 'MIGRATION_NOT_FOUND'
      | 'MIGRATION_IN_PROGRESS'
      | 'MIGRATION_STATE'
      | 'MIGRATION_MISMATCH'
      | 'UNDO_ORDER',
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Where a batch stopped because an upcaster failed: the rows before it are migrated. */
export interface MigrationFailure {
  eventId: string;
  streamId: string;
  globalPosition: number;
  schemaVersion: number;
  message: string;
}

export interface MigrationSample {
  eventId: string;
  streamId: string;
  globalPosition: number;
  fromVersion: number;
  before: JsonObject;
  after: JsonObject;
}

export interface MigrationPlan {
  eventType: string;
  toVersion: number;
  cutTransactionId: number;
  /** Events in scope: the type's events below the cut stored at a version below the target. */
  total: number;
  /** Events in scope by stored schema version. */
  byVersion: Record<string, number>;
  /** Events of the type below the cut already at the target version or later. */
  upToDate: number;
}

export interface DryRunReport extends MigrationPlan {
  samples: MigrationSample[];
  /** Events the upcasters turned without error (all of `total` unless one failed). */
  upcast: number;
  /** The first event an upcaster failed on; the dry run stops there. */
  failure: MigrationFailure | null;
}

interface EventRow {
  global_position: string;
  tx_id: string;
  event_id: string;
  stream_id: string;
  schema_version: number;
  data: string;
  occurred_at: string;
}

const SCOPE = /* sql */ `e.event_type = $1 and e.tx_id < $2::text::xid8 and e.schema_version < $3`;

const toRecord = (row: Record<string, unknown>): MigrationRecord => ({
  migrationId: row.migration_id as string,
  eventType: row.event_type as string,
  toVersion: Number(row.to_version),
  cutTransactionId: Number(row.cut_tx),
  status: row.status as MigrationStatus,
  total: Number(row.total),
  migrated: Number(row.migrated),
  restored: Number(row.restored),
  restorePosition: Number(row.restore_position),
  lastPosition: {
    transactionId: Number(row.last_tx),
    globalPosition: Number(row.last_position),
  },
  digestBefore: (row.digest_before as string | null) ?? null,
  digestAfter: (row.digest_after as string | null) ?? null,
  error: (row.error as string | null) ?? null,
  startedAt: (row.started_at as Date).getTime(),
  finishedAt: row.finished_at ? (row.finished_at as Date).getTime() : null,
});

export const getMigration = async (sql: Sql, migrationId: string): Promise<MigrationRecord> => {
  const { rows } = await sql.query('select * from hindsight.migrations where migration_id = $1', [
    migrationId,
  ]);
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new MigrationError('MIGRATION_NOT_FOUND', `migration '${migrationId}' not found`);
  return toRecord(row);
};

export const listMigrations = async (
  sql: Sql,
  { eventType, limit = 50 }: { eventType?: string; limit?: number } = {},
): Promise<MigrationRecord[]> => {
  const { rows } = await sql.query(
    /* sql */ `select * from hindsight.migrations
      where $1::text is null or event_type = $1
      order by started_at desc, migration_id limit $2`,
    [eventType ?? null, limit],
  );
  return rows.map((row) => toRecord(row as Record<string, unknown>));
};

/**
 * The migration of an event type that is running or being undone, if any: a second one would
 * fight over the same rows (the partial unique index refuses it too, but only once it starts).
 */
export const findActiveMigration = async (
  sql: Sql,
  eventType: string,
): Promise<{ migrationId: string; status: string } | null> => {
  const { rows } = await sql.query<{ migration_id: string; status: string }>(
    /* sql */ `select migration_id, status from hindsight.migrations
      where event_type = $1 and status in ('running', 'undoing') limit 1`,
    [eventType],
  );
  const row = rows[0];
  return row ? { migrationId: row.migration_id, status: row.status } : null;
};

/** Checks the request against the upcasters and counts the scope below a new cut (or `cutTx`). */
export const planMigration = async (
  sql: Sql,
  upcasters: UpcasterRegistry,
  { eventType, toVersion, cutTx }: { eventType: string; toVersion: number; cutTx?: number },
): Promise<MigrationPlan> => {
  upcasters.checkTarget(eventType, toVersion);
  const cut = cutTx ?? (await takeCut(sql)).transactionId;
  const { rows } = await sql.query<{ schema_version: number; n: string }>(
    /* sql */ `select e.schema_version, count(*) as n from hindsight.events e
      where e.event_type = $1 and e.tx_id < $2::text::xid8
      group by e.schema_version`,
    [eventType, cut],
  );
  const byVersion: Record<string, number> = {};
  let total = 0;
  let upToDate = 0;
  for (const row of rows) {
    const n = Number(row.n);
    if (row.schema_version < toVersion) {
      byVersion[String(row.schema_version)] = n;
      total += n;
    } else upToDate += n;
  }
  return { eventType, toVersion, cutTransactionId: cut, total, byVersion, upToDate };
};

const upcastRow = (upcasters: UpcasterRegistry, eventType: string, toVersion: number) => {
  return (row: EventRow): JsonObject =>
    upcasters.upcast(
      {
        eventId: row.event_id,
        streamId: row.stream_id,
        type: eventType,
        occurredAt: Number(row.occurred_at),
        schemaVersion: row.schema_version,
        data: JSON.parse(row.data) as JsonObject,
      },
      toVersion,
    ).data;
};

const failureOf = (row: EventRow, error: unknown): MigrationFailure => ({
  eventId: row.event_id,
  streamId: row.stream_id,
  globalPosition: Number(row.global_position),
  schemaVersion: row.schema_version,
  message: (error as Error).message,
});

const SELECT_EVENTS = /* sql */ `
  select e.global_position, e.tx_id::text as tx_id, e.event_id::text as event_id, e.stream_id,
         e.schema_version, e.data::text as data,
         (extract(epoch from e.occurred_at) * 1000)::int8 as occurred_at
    from hindsight.events e
   where ${SCOPE} and (e.tx_id, e.global_position) > ($4::text::xid8, $5::bigint)
   order by e.tx_id, e.global_position
   limit $6`;

/**
 * Runs every event in scope through the upcasters and writes nothing: counts, the first
 * `sampleSize` before/after pairs, and the first failure if an upcaster throws.
 */
export const dryRunMigration = async (
  sql: Sql,
  upcasters: UpcasterRegistry,
  request: { eventType: string; toVersion: number; sampleSize: number; pageSize?: number },
  onProgress?: (upcast: number) => void,
): Promise<DryRunReport> => {
  const plan = await planMigration(sql, upcasters, request);
  const up = upcastRow(upcasters, plan.eventType, plan.toVersion);
  const samples: MigrationSample[] = [];
  let after = { tx: '0', position: '0' };
  let upcast = 0;
  for (;;) {
    const { rows } = await sql.query<EventRow>(SELECT_EVENTS, [
      plan.eventType,
      plan.cutTransactionId,
      plan.toVersion,
      after.tx,
      after.position,
      request.pageSize ?? 5000,
    ]);
    for (const row of rows) {
      let data: JsonObject;
      try {
        data = up(row);
      } catch (error) {
        return { ...plan, samples, upcast, failure: failureOf(row, error) };
      }
      upcast += 1;
      if (samples.length < request.sampleSize) {
        samples.push({
          eventId: row.event_id,
          streamId: row.stream_id,
          globalPosition: Number(row.global_position),
          fromVersion: row.schema_version,
          before: JSON.parse(row.data) as JsonObject,
          after: data,
        });
      }
    }
    onProgress?.(upcast);
    const last = rows.at(-1);
    if (!last || rows.length < (request.pageSize ?? 5000)) break;
    after = { tx: last.tx_id, position: last.global_position };
  }
  return { ...plan, samples, upcast, failure: null };
};

/**
 * Records the migration as running. Idempotent by migration id (a retried start finds its row);
 * refused while another migration of the same event type runs or is being undone.
 */
export const beginMigration = async (
  sql: Sql,
  { migrationId, plan }: { migrationId: string; plan: MigrationPlan },
): Promise<MigrationRecord> => {
  try {
    await sql.query(
      /* sql */ `insert into hindsight.migrations
        (migration_id, event_type, to_version, cut_tx, status, total)
        values ($1, $2, $3, $4, 'running', $5)
        on conflict (migration_id) do nothing`,
      [migrationId, plan.eventType, plan.toVersion, plan.cutTransactionId, plan.total],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      const { rows } = await sql.query<{ migration_id: string; status: string }>(
        `select migration_id, status from hindsight.migrations
          where event_type = $1 and status in ('running', 'undoing')`,
        [plan.eventType],
      );
      const other = rows[0];
      throw new MigrationError(
        'MIGRATION_IN_PROGRESS',
        `event type '${plan.eventType}' has a migration ${other?.status ?? 'running'} ` +
          `already: '${other?.migration_id ?? 'unknown'}'`,
      );
    }
    throw error;
  }
  const record = await getMigration(sql, migrationId);
  // A retried start finds its own running row; any other row means the id was used before.
  if (
    record.status !== 'running' ||
    record.eventType !== plan.eventType ||
    record.toVersion !== plan.toVersion
  ) {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration id '${migrationId}' was used already (${record.eventType} to v${record.toVersion}, ` +
        `${record.status}): give a new id`,
    );
  }
  return record;
};

export interface BatchResult {
  migrated: number;
  record: MigrationRecord;
  /** Nothing in scope is left after the cursor. */
  done: boolean;
  failure: MigrationFailure | null;
}

const inTransaction = async <T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

const lockMigration = async (
  client: pg.PoolClient,
  migrationId: string,
  status: MigrationStatus,
): Promise<MigrationRecord> => {
  const { rows } = await client.query(
    'select * from hindsight.migrations where migration_id = $1 for update',
    [migrationId],
  );
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new MigrationError('MIGRATION_NOT_FOUND', `migration '${migrationId}' not found`);
  const record = toRecord(row);
  if (record.status !== status) {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration '${migrationId}' is ${record.status}, not ${status}`,
    );
  }
  return record;
};

/**
 * Migrates the next batch after the migration's cursor in one transaction: originals into
 * `event_revisions`, upcast payloads into `events`, the cursor forward. The row lock on the
 * migration serialises two attempts of the same work, so no event is migrated twice. When an
 * upcaster throws, the rows before the failing one are committed and the failure returned: the
 * cursor stops right before it, and a later batch resumes there.
 */
export const migrateBatch = async (
  pool: pg.Pool,
  upcasters: UpcasterRegistry,
  { migrationId, batchSize }: { migrationId: string; batchSize: number },
): Promise<BatchResult> =>
  inTransaction(pool, async (client) => {
    const record = await lockMigration(client, migrationId, 'running');
    upcasters.checkTarget(record.eventType, record.toVersion);
    const { rows } = await client.query<EventRow>(`${SELECT_EVENTS} for update of e`, [
      record.eventType,
      record.cutTransactionId,
      record.toVersion,
      record.lastPosition.transactionId,
      record.lastPosition.globalPosition,
      batchSize,
    ]);
    const up = upcastRow(upcasters, record.eventType, record.toVersion);
    const positions: string[] = [];
    const payloads: string[] = [];
    let failure: MigrationFailure | null = null;
    let last: EventRow | undefined;
    for (const row of rows) {
      try {
        payloads.push(JSON.stringify(up(row)));
      } catch (error) {
        failure = failureOf(row, error);
        break;
      }
      positions.push(row.global_position);
      last = row;
    }
    if (positions.length > 0 && last) {
      await client.query(
        /* sql */ `insert into hindsight.event_revisions
          (migration_id, global_position, tx_id, event_id, schema_version, data)
          select $1, e.global_position, e.tx_id, e.event_id, e.schema_version, e.data
            from hindsight.events e where e.global_position = any($2::bigint[])`,
        [migrationId, positions],
      );
      await client.query(
        /* sql */ `update hindsight.events e set data = u.data::jsonb, schema_version = $3
          from unnest($1::bigint[], $2::text[]) as u(position, data)
         where e.global_position = u.position and e.global_position = any($1::bigint[])`,
        [positions, payloads, record.toVersion],
      );
    }
    const { rows: updated } = await client.query(
      /* sql */ `update hindsight.migrations
          set migrated = migrated + $2,
              last_tx = coalesce($3::bigint, last_tx),
              last_position = coalesce($4::bigint, last_position),
              error = $5
        where migration_id = $1 returning *`,
      [
        migrationId,
        positions.length,
        last ? last.tx_id : null,
        last ? last.global_position : null,
        failure ? `stopped at event ${failure.eventId}: ${failure.message}` : null,
      ],
    );
    return {
      migrated: positions.length,
      record: toRecord(updated[0] as Record<string, unknown>),
      done: failure === null && rows.length < batchSize,
      failure,
    };
  });

export interface Verification {
  ok: boolean;
  revisions: number;
  /** Events in scope still below the target version. */
  remaining: number;
  /** sha256 over (position, canonical upcast of each original), in position order. */
  digestBefore: string;
  /** sha256 over (position, canonical stored payload), in position order. */
  digestAfter: string;
  /** Positions whose stored row is not the upcast of its original, at most 10. */
  mismatches: number[];
}

/**
 * Verifies a migration: every original in `event_revisions` upcast again must equal the stored
 * row (one digest over each side), the count must match, and nothing in scope is left behind.
 * Marks the migration completed when it holds, failed when it does not.
 */
export const verifyMigration = async (
  pool: pg.Pool,
  upcasters: UpcasterRegistry,
  { migrationId, pageSize = 5000 }: { migrationId: string; pageSize?: number },
  onProgress?: (checked: number) => void,
): Promise<Verification> => {
  const record = await getMigration(pool, migrationId);
  if (record.status !== 'running' && record.status !== 'completed') {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration '${migrationId}' is ${record.status}: only a running or completed one verifies`,
    );
  }
  const before = createHash('sha256');
  const after = createHash('sha256');
  const mismatches: number[] = [];
  let revisions = 0;
  let cursor = '0';
  for (;;) {
    const { rows } = await pool.query<{
      global_position: string;
      event_id: string;
      stream_id: string;
      original_version: number;
      original: string;
      stored_version: number;
      stored: string;
      occurred_at: string;
    }>(
      /* sql */ `select r.global_position, r.event_id::text as event_id, e.stream_id,
              r.schema_version as original_version, r.data::text as original,
              e.schema_version as stored_version, e.data::text as stored,
              (extract(epoch from e.occurred_at) * 1000)::int8 as occurred_at
         from hindsight.event_revisions r
         join hindsight.events e on e.global_position = r.global_position
        where r.migration_id = $1 and r.global_position > $2::bigint
        order by r.global_position limit $3`,
      [migrationId, cursor, pageSize],
    );
    for (const row of rows) {
      const upcast = canonicalJson(
        upcasters.upcast(
          {
            eventId: row.event_id,
            streamId: row.stream_id,
            type: record.eventType,
            occurredAt: Number(row.occurred_at),
            schemaVersion: row.original_version,
            data: JSON.parse(row.original) as JsonObject,
          },
          record.toVersion,
        ).data,
      );
      const stored = canonicalJson(JSON.parse(row.stored));
      before.update(`${row.global_position}\t${record.toVersion}\t${upcast}\n`);
      after.update(`${row.global_position}\t${row.stored_version}\t${stored}\n`);
      if (
        (upcast !== stored || row.stored_version !== record.toVersion) &&
        mismatches.length < 10
      ) {
        mismatches.push(Number(row.global_position));
      }
    }
    revisions += rows.length;
    onProgress?.(revisions);
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) break;
    cursor = last.global_position;
  }
  const { rows: left } = await pool.query<{ n: string }>(
    `select count(*) as n from hindsight.events e where ${SCOPE}`,
    [record.eventType, record.cutTransactionId, record.toVersion],
  );
  const remaining = Number(left[0]?.n ?? 0);
  const digestBefore = before.digest('hex');
  const digestAfter = after.digest('hex');
  const ok =
    digestBefore === digestAfter &&
    mismatches.length === 0 &&
    remaining === 0 &&
    revisions === record.migrated;
  await pool.query(
    /* sql */ `update hindsight.migrations
        set status = $2, digest_before = $3, digest_after = $4, finished_at = now(), error = $5
      where migration_id = $1 and status in ('running', 'completed')`,
    [
      migrationId,
      ok ? 'completed' : 'failed',
      digestBefore,
      digestAfter,
      ok
        ? null
        : `verification failed: ${revisions} revisions for ${record.migrated} migrated, ` +
          `${remaining} left in scope, digests ${digestBefore === digestAfter ? 'equal' : 'differ'}` +
          (mismatches.length ? `, first mismatches at ${mismatches.join(', ')}` : ''),
    ],
  );
  return { ok, revisions, remaining, digestBefore, digestAfter, mismatches };
};

/**
 * Ends a migration that will not finish (aborted by its operator, or failed its verification):
 * the rows done stay done. `failed` says whether this call ended it (it was running).
 */
export const failMigration = async (
  sql: Sql,
  migrationId: string,
  reason: string,
): Promise<MigrationRecord & { failed: boolean }> => {
  const { rowCount } = await sql.query(
    `update hindsight.migrations set status = 'failed', error = $2, finished_at = now()
      where migration_id = $1 and status = 'running'`,
    [migrationId, reason],
  );
  return { ...(await getMigration(sql, migrationId)), failed: (rowCount ?? 0) > 0 };
};

/**
 * Starts undoing a migration: refused unless it is completed or failed, and unless no later
 * migration of the same type has rewritten rows since (undo that one first).
 */
export const beginUndo = async (sql: Sql, migrationId: string): Promise<MigrationRecord> => {
  const record = await getMigration(sql, migrationId);
  if (record.status === 'undoing') return record;
  if (record.status !== 'completed' && record.status !== 'failed') {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration '${migrationId}' is ${record.status}: only a completed or failed one can be undone`,
    );
  }
  const { rows: later } = await sql.query<{ migration_id: string }>(
    /* sql */ `select migration_id from hindsight.migrations
      where event_type = $1 and migration_id <> $2 and started_at > $3 and migrated > 0
        and status <> 'undone'
      order by started_at limit 1`,
    [record.eventType, migrationId, new Date(record.startedAt)],
  );
  if (later[0]) {
    throw new MigrationError(
      'UNDO_ORDER',
      `migration '${later[0].migration_id}' rewrote ${record.eventType} events later: undo it first`,
    );
  }
  try {
    await sql.query(
      `update hindsight.migrations set status = 'undoing', error = null
        where migration_id = $1 and status in ('completed', 'failed')`,
      [migrationId],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new MigrationError(
        'MIGRATION_IN_PROGRESS',
        `event type '${record.eventType}' has another migration running or being undone`,
      );
    }
    throw error;
  }
  return getMigration(sql, migrationId);
};

/** Restores the next batch of originals, exactly as they were stored. */
export const undoBatch = async (
  pool: pg.Pool,
  { migrationId, batchSize }: { migrationId: string; batchSize: number },
): Promise<{ restored: number; record: MigrationRecord; done: boolean }> =>
  inTransaction(pool, async (client) => {
    const record = await lockMigration(client, migrationId, 'undoing');
    const { rows } = await client.query<{ global_position: string }>(
      /* sql */ `with r as (
          select global_position, schema_version, data from hindsight.event_revisions
           where migration_id = $1 and global_position > $2::bigint
           order by global_position limit $3)
        update hindsight.events e set data = r.data, schema_version = r.schema_version
          from r where e.global_position = r.global_position
        returning e.global_position`,
      [migrationId, record.restorePosition, batchSize],
    );
    const last = rows.reduce((max, row) => Math.max(max, Number(row.global_position)), 0);
    const { rows: updated } = await client.query(
      /* sql */ `update hindsight.migrations
          set restored = restored + $2, restore_position = greatest(restore_position, $3)
        where migration_id = $1 returning *`,
      [migrationId, rows.length, last],
    );
    return {
      restored: rows.length,
      record: toRecord(updated[0] as Record<string, unknown>),
      done: rows.length < batchSize,
    };
  });

/** Checks that every original is back in place and marks the migration undone. */
export const finishUndo = async (
  sql: Sql,
  migrationId: string,
): Promise<{ ok: boolean; restored: number; different: number }> => {
  const { rows } = await sql.query<{ total: string; different: string }>(
    /* sql */ `select count(*) as total,
            count(*) filter (where e.data <> r.data or e.schema_version <> r.schema_version)
              as different
       from hindsight.event_revisions r
       join hindsight.events e on e.global_position = r.global_position
      where r.migration_id = $1`,
    [migrationId],
  );
  const restored = Number(rows[0]?.total ?? 0);
  const different = Number(rows[0]?.different ?? 0);
  const ok = different === 0;
  await sql.query(
    `update hindsight.migrations set status = $2, error = $3, finished_at = now()
      where migration_id = $1 and status = 'undoing'`,
    [migrationId, ok ? 'undone' : 'failed', ok ? null : `undo left ${different} rows different`],
  );
  return { ok, restored, different };
};
