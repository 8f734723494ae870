// Ends an undo: checks every original is back and marks the migration undone (or failed).
import type { Sql } from '../../sql.js';

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
