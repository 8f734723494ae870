// `hindsight events quarantine`: the events feature views went on without — the upcasters failed
// on them, or a view's reducer threw — newest first, from the server's EventStore API.
import type { Command } from 'commander';
import type { QuarantinedEvent } from '../../gen/hindsight/v1/eventstore.js';
import { action } from '../errors.js';
import { formatPosition, parseNonNegativeInt } from '../format.js';
import { connectClient } from '../client.js';
import { examples, JSON_LIST_HELP, out, printJson } from '../output.js';

interface QuarantineOptions {
  view?: string;
  limit?: string;
  json?: boolean;
}

const quarantinedAsJson = (event: QuarantinedEvent): Record<string, unknown> => ({
  view: event.viewName,
  viewCodeHash: event.viewCodeHash,
  upcastersHash: event.upcastersHash,
  eventId: event.eventId,
  streamId: event.streamId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  position: formatPosition(event.position),
  stage: event.stage,
  reason: event.reason,
  quarantinedAt: new Date(event.quarantinedAtMs).toISOString(),
});

const listQuarantine = async (options: QuarantineOptions): Promise<void> => {
  const client = connectClient();
  try {
    const { events } = await client.eventStore.listQuarantinedEvents({
      viewName: options.view ?? '',
      limit: options.limit ? parseNonNegativeInt(options.limit, '--limit') : 0,
    });
    if (options.json) {
      printJson(events.map(quarantinedAsJson));
      return;
    }
    if (events.length === 0) {
      out('no quarantined events');
      return;
    }
    for (const event of events) {
      out(
        `${new Date(event.quarantinedAtMs).toISOString()}  ${event.viewName.padEnd(24)} ` +
          `${formatPosition(event.position).padEnd(14)} ${`${event.streamId}`.padEnd(24)} ` +
          `${`${event.type} v${event.schemaVersion}`.padEnd(26)} ${event.stage.padEnd(6)} ` +
          event.reason,
      );
    }
  } finally {
    client.close();
  }
};

export const registerQuarantineCommand = (events: Command): void => {
  examples(
    events
      .command('quarantine')
      .description(
        'list the events feature views went on without (their upcasters failed or their reducer threw), newest first',
      )
      .option('--view <name>', "only this feature view's")
      .option('-n, --limit <count>', 'at most this many (default 100, at most 1000)')
      .option('--json', JSON_LIST_HELP)
      .action(action(listQuarantine)),
    'hindsight events quarantine',
    'hindsight events quarantine --view work_order_overrun --limit 20 --json',
  );
};
