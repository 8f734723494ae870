// Plans a migration: checks the target against the upcasters and counts the events in scope.
import { takeCut } from '../../cut.js';
import type { Sql } from '../../sql.js';
import type { UpcasterRegistry } from '../upcasters.js';
import type { MigrationPlan } from './types.js';

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
