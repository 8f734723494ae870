// A migration's dry run: every event in scope through the upcasters, nothing written.
import type { Sql } from '../../sql.js';
import type { JsonObject } from '../../types.js';
import type { UpcasterRegistry } from '../upcasters.js';
import { failureOf, SELECT_EVENTS, upcastRow, type EventRow } from './eventsInScope.js';
import { planMigration } from './planMigration.js';
import type { DryRunReport, MigrationSample } from './types.js';

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
