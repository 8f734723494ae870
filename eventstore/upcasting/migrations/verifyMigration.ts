// Verifies a migration against its kept originals and marks it completed or failed.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { JsonObject } from '../../types.js';
import { canonicalJson } from '../canonicalJson.js';
import type { UpcasterRegistry } from '../upcasters.js';
import { SCOPE } from './eventsInScope.js';
import { MigrationError } from './migrationError.js';
import { getMigration } from './records.js';

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
