// GET /api/events/quarantine: the events feature views went on without (their upcasters failed on
// them, or the view's reducer threw), newest first.
import { listQuarantined } from '../../eventstore/index.js';
import type { QuarantinedEvents } from './api.js';
import type { ConsoleDeps } from './deps.js';
import { intParam, textParam, type Query } from './params.js';
import { VIEW_NAME } from '../../ml/names.js';

export const listQuarantinedEvents = async (
  deps: Pick<ConsoleDeps, 'sql'>,
  query: Query,
): Promise<QuarantinedEvents> => {
  const view = textParam(query, 'view', { pattern: VIEW_NAME, max: 63 });
  const limit = intParam(query, 'limit', { min: 1, max: 1000, fallback: 100 });
  // On the console's own pool, with its statement timeout.
  const entries = await listQuarantined(deps.sql, { view, limit });
  return {
    items: entries.map((entry) => ({
      view: entry.view,
      codeHash: entry.codeHash,
      upcastersHash: entry.upcastersHash,
      eventId: entry.eventId,
      streamId: entry.streamId,
      type: entry.type,
      schemaVersion: entry.schemaVersion,
      transactionId: entry.position.transactionId,
      globalPosition: entry.position.globalPosition,
      stage: entry.stage,
      reason: entry.reason,
      quarantinedAt: entry.quarantinedAt,
    })),
  };
};
