import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  Direction,
  ExpectedState,
  type AggregateSnapshot,
  type AppendRequest,
  type NewEvent,
  type SubscribeRequest,
} from '../../gen/hindsight/v1/eventstore.js';
import { action, UsageError } from '../errors.js';
import {
  formatPosition,
  parseNonNegativeInt,
  parsePosition,
  parseTime,
  printEvent,
} from '../format.js';
import { connectClient } from '../client.js';
import { examples, JSON_HELP, NDJSON_HELP, out, printJson } from '../output.js';
import { registerQuarantineCommand } from './eventsQuarantine.js';

const SKIP_UPCAST_FAILURES_HELP =
  'leave out poison events (the upcasters fail on them) instead of printing them as stored';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const parseExpected = (text: string | undefined): AppendRequest['expected'] => {
  if (text === undefined || text === 'any') return undefined;
  if (text === 'no_stream')
    return { $case: 'expectedState', expectedState: ExpectedState.EXPECTED_STATE_NO_STREAM };
  if (text === 'stream_exists') {
    return { $case: 'expectedState', expectedState: ExpectedState.EXPECTED_STATE_STREAM_EXISTS };
  }
  if (/^-?\d+$/.test(text)) return { $case: 'expectedVersion', expectedVersion: Number(text) };
  throw new UsageError(
    `--expected takes any, no_stream, stream_exists or a version number, got '${text}'`,
  );
};

interface FileEvent {
  type?: unknown;
  data?: unknown;
  eventId?: unknown;
  metadata?: unknown;
  occurredAt?: unknown;
  schemaVersion?: unknown;
}

const readEventsFile = (file: string): NewEvent[] => {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let parsed: FileEvent;
      try {
        parsed = JSON.parse(line) as FileEvent;
      } catch (error) {
        throw new UsageError(`${file}:${number}: not JSON (${(error as Error).message})`);
      }
      if (typeof parsed.type !== 'string')
        throw new UsageError(`${file}:${number}: "type" must be a string`);
      return {
        eventId: typeof parsed.eventId === 'string' ? parsed.eventId : '',
        type: parsed.type,
        schemaVersion: typeof parsed.schemaVersion === 'number' ? parsed.schemaVersion : 0,
        data: Buffer.from(JSON.stringify(parsed.data ?? {})),
        occurredAtMs:
          typeof parsed.occurredAt === 'string' || typeof parsed.occurredAt === 'number'
            ? parseTime(String(parsed.occurredAt), `${file}:${number} occurredAt`)
            : 0,
        correlationId: '',
        causationId: '',
        actor: '',
        metadata:
          parsed.metadata === undefined
            ? Buffer.alloc(0)
            : Buffer.from(JSON.stringify(parsed.metadata)),
      };
    });
};

interface AppendOptions {
  file?: string;
  expected?: string;
  eventId?: string;
  occurredAt?: string;
  actor?: string;
  correlationId?: string;
  json?: boolean;
}

interface ReadOptions {
  all?: boolean;
  backwards?: boolean;
  from?: string;
  after?: string;
  limit?: string;
  type?: string[];
  category?: string[];
  snapshot?: string;
  skipUpcastFailures?: boolean;
  json?: boolean;
}

interface TailOptions {
  subscription?: string;
  fromStart?: boolean;
  after?: string;
  type?: string[];
  category?: string[];
  count?: string;
  skipUpcastFailures?: boolean;
  json?: boolean;
}

const append = async (
  stream: string,
  type: string | undefined,
  data: string | undefined,
  options: AppendOptions,
) => {
  let events: NewEvent[];
  if (options.file) {
    if (type !== undefined) throw new UsageError('give either <type> [data] or --file, not both');
    events = readEventsFile(options.file);
  } else {
    if (type === undefined) throw new UsageError('missing <type> (or --file with NDJSON events)');
    events = [
      {
        eventId: options.eventId ?? '',
        type,
        schemaVersion: 0,
        data: Buffer.from(data ?? '{}'),
        occurredAtMs: options.occurredAt ? parseTime(options.occurredAt, '--occurred-at') : 0,
        correlationId: options.correlationId ?? '',
        causationId: '',
        actor: options.actor ?? '',
        metadata: Buffer.alloc(0),
      },
    ];
  }
  const client = connectClient();
  try {
    const result = await client.eventStore.append({
      streamId: stream,
      events,
      expected: parseExpected(options.expected),
    });
    if (options.json) printJson(result);
    else {
      const note = result.duplicate ? ' (already appended: nothing written)' : '';
      process.stdout.write(
        `${stream}: version ${result.streamVersion}, positions ${result.globalPositions.join(', ')}${note}\n`,
      );
    }
  } finally {
    client.close();
  }
};

/** The snapshot a read starts from: one JSON line `{"snapshot": …}`, or one line for people. */
const printSnapshot = (snapshot: AggregateSnapshot, json: boolean): void => {
  const state = Buffer.from(snapshot.state).toString('utf8');
  if (json) {
    const shown = { ...snapshot, state: JSON.parse(state) as unknown };
    printJson({ snapshot: shown });
    return;
  }
  process.stdout.write(
    `snapshot ${snapshot.aggregateType}@${snapshot.streamVersion} (state schema v${snapshot.stateSchemaVersion}, ` +
      `code ${snapshot.codeHash.slice(0, 12)}, ${new Date(snapshot.createdAtMs).toISOString()})  ${state}\n`,
  );
};

const read = async (stream: string | undefined, options: ReadOptions) => {
  const client = connectClient();
  try {
    if (options.all || stream === undefined) {
      if (stream !== undefined) throw new UsageError('give a stream or --all, not both');
      if (options.snapshot) throw new UsageError('--snapshot reads one stream, not --all');
      const pages = client.eventStore.readAll({
        after: options.after ? parsePosition(options.after, '--after') : undefined,
        eventTypes: options.type ?? [],
        categories: options.category ?? [],
        limit: options.limit ? parseNonNegativeInt(options.limit, '--limit') : 0,
        untilTransactionId: 0,
        skipUpcastFailures: Boolean(options.skipUpcastFailures),
      });
      let checkpoint = '';
      for await (const page of pages) {
        page.events.forEach((event) => printEvent(event, Boolean(options.json)));
        checkpoint = formatPosition(page.checkpoint);
      }
      if (!options.json) process.stderr.write(`continue with --after ${checkpoint}\n`);
      return;
    }
    if (options.snapshot && (options.backwards || options.from)) {
      throw new UsageError(
        '--snapshot reads forwards from the snapshot: not with --backwards or --from',
      );
    }
    const slice = await client.eventStore.readStream({
      streamId: stream,
      direction: options.backwards ? Direction.DIRECTION_BACKWARDS : Direction.DIRECTION_FORWARDS,
      fromVersion: options.from ? parseNonNegativeInt(options.from, '--from') : 0,
      limit: options.limit ? parseNonNegativeInt(options.limit, '--limit') : 0,
      snapshotAggregate: options.snapshot ?? '',
      skipUpcastFailures: Boolean(options.skipUpcastFailures),
    });
    if (slice.snapshot) printSnapshot(slice.snapshot, Boolean(options.json));
    else if (options.snapshot && !options.json) {
      process.stderr.write(`no valid ${options.snapshot} snapshot: every event follows\n`);
    }
    slice.events.forEach((event) => printEvent(event, Boolean(options.json)));
    // A page ends at its limit or at the server's byte budget: say where the rest starts.
    const last = slice.events.at(-1);
    const next = last && (options.backwards ? last.streamVersion - 1 : last.streamVersion + 1);
    if (!options.json && next !== undefined && next >= 1 && next <= slice.streamVersion) {
      process.stderr.write(`more: continue with --from ${next}\n`);
    }
  } finally {
    client.close();
  }
};

const tail = async (options: TailOptions) => {
  let start: SubscribeRequest['start'] = { $case: 'fromEnd', fromEnd: true };
  if (options.subscription)
    start = { $case: 'subscriptionName', subscriptionName: options.subscription };
  else if (options.after)
    start = { $case: 'after', after: parsePosition(options.after, '--after') };
  else if (options.fromStart)
    start = { $case: 'after', after: { transactionId: 0, globalPosition: 0 } };
  const limit = options.count
    ? parseNonNegativeInt(options.count, '--count')
    : Number.POSITIVE_INFINITY;
  const client = connectClient();
  // Ctrl-C cancels the subscription: the stream then ends quietly.
  const cancelled = new AbortController();
  const responses = client.eventStore.subscribe(
    {
      start,
      eventTypes: options.type ?? [],
      categories: options.category ?? [],
      skipUpcastFailures: Boolean(options.skipUpcastFailures),
    },
    { signal: cancelled.signal },
  );
  const stop = (): void => cancelled.abort();
  process.once('SIGINT', stop);
  let seen = 0;
  try {
    for await (const response of responses) {
      const message = response.message;
      if (message?.$case === 'caughtUp' && !options.json)
        process.stderr.write('-- caught up, live --\n');
      if (message?.$case !== 'events') continue;
      for (const event of message.events.events) {
        if (seen >= limit) break;
        printEvent(event, Boolean(options.json));
        seen += 1;
      }
      if (options.subscription && message.events.checkpoint) {
        await client.eventStore.saveCheckpoint({
          subscriptionName: options.subscription,
          position: message.events.checkpoint,
        });
      }
      if (seen >= limit) break;
    }
  } finally {
    process.off('SIGINT', stop);
    client.close();
  }
};

const time = (ms: number): string => (ms ? new Date(ms).toISOString() : '-');

const info = async (stream: string, options: { json?: boolean }) => {
  const client = connectClient();
  try {
    const found = await client.eventStore.getStream({ streamId: stream });
    if (options.json) {
      printJson(found);
      return;
    }
    out(`stream     ${found.streamId}`);
    out(`category   ${found.category || '-'}`);
    out(`version    ${found.version}`);
    out(`archived   ${found.archived ? 'yes' : 'no'}`);
    out(`created    ${time(found.createdAtMs)}`);
    out(`first      ${time(found.firstEventAtMs)}`);
    out(`last       ${time(found.lastEventAtMs)}`);
  } finally {
    client.close();
  }
};

const archive = async (stream: string, options: { json?: boolean }) => {
  const client = connectClient();
  try {
    const result = await client.eventStore.archiveStream({ streamId: stream });
    if (options.json) printJson({ streamId: stream, archived: true, version: result.version });
    else out(`${stream}: archived at version ${result.version}`);
  } finally {
    client.close();
  }
};

export const registerEventsCommands = (program: Command): void => {
  const events = program
    .command('events')
    .description('append, read and follow events over the gRPC API (HINDSIGHT_SERVER)');
  examples(
    events
      .command('append')
      .description('append one event, or NDJSON events from a file (- for stdin), to a stream')
      .argument('<stream>', 'stream id, e.g. workorder-WO-1')
      .argument('[type]', 'event type, e.g. WorkOrderCreated (not with --file)')
      .argument('[data]', 'event data: a JSON object', '{}')
      .option(
        '-f, --file <file>',
        'NDJSON file of {"type","data","eventId"?,"metadata"?,"occurredAt"?}; - reads stdin',
      )
      .option(
        '-e, --expected <version>',
        'any, no_stream, stream_exists or the exact current version',
      )
      .option('--event-id <uuid>', 'event id, for idempotent retries')
      .option('--occurred-at <time>', 'business time: ISO 8601 or ms since the epoch')
      .option('--actor <actor>', 'who caused the event')
      .option('--correlation-id <id>', 'correlation id')
      .option('--json', JSON_HELP)
      .action(action(append)),
    `hindsight events append workorder-WO-1 WorkOrderCreated '{"site":"north"}' --expected no_stream`,
    'hindsight events append workorder-WO-1 --file events.ndjson --json',
  );
  examples(
    events
      .command('read')
      .description('read a stream, or the whole log in commit order with --all')
      .argument('[stream]', 'stream id (leave out with --all)')
      .option('-a, --all', 'read the global log')
      .option('-b, --backwards', 'read the stream from its end')
      .option('--from <version>', 'first stream version to read')
      .option(
        '--after <position>',
        'with --all: start after this position (<transaction id>:<global position>)',
      )
      .option('-n, --limit <count>', 'at most this many events')
      .option('-t, --type <type>', 'with --all: only this event type (repeatable)', collect)
      .option(
        '-c, --category <category>',
        'with --all: only this stream category (repeatable)',
        collect,
      )
      .option(
        '--snapshot <aggregate-type>',
        "start from the stream's latest valid snapshot of this aggregate, e.g. work-order: print it, then only the events after it",
      )
      .option('--skip-upcast-failures', SKIP_UPCAST_FAILURES_HELP)
      .option('--json', `${NDJSON_HELP} (a {"snapshot": …} line first with --snapshot)`)
      .action(action(read)),
    'hindsight events read workorder-WO-1 --json',
    'hindsight events read --all --type WorkOrderClosed --limit 100 --after 812:4031',
  );
  examples(
    events
      .command('tail')
      .description(
        'follow the log live (from its end, the start, a position or a named subscription) until Ctrl-C',
      )
      .option('-s, --subscription <name>', 'resume from and store this named checkpoint')
      .option('--from-start', 'catch up from the start of the log first')
      .option(
        '--after <position>',
        'start after this position (<transaction id>:<global position>)',
      )
      .option('-t, --type <type>', 'only this event type (repeatable)', collect)
      .option('-c, --category <category>', 'only this stream category (repeatable)', collect)
      .option('-n, --count <count>', 'exit after this many events')
      .option('--skip-upcast-failures', SKIP_UPCAST_FAILURES_HELP)
      .option('--json', NDJSON_HELP)
      .action(action(tail)),
    'hindsight events tail --category technician --json | jq .type',
    'hindsight events tail --subscription billing --from-start --count 1000',
  );
  registerQuarantineCommand(events);
  events
    .command('info')
    .description("show a stream's version, times and archive state")
    .argument('<stream>', 'stream id')
    .option('--json', JSON_HELP)
    .action(action(info));
  events
    .command('archive')
    .description('archive a stream: its events stay, further appends are refused')
    .argument('<stream>', 'stream id')
    .option('--json', JSON_HELP)
    .action(action(archive));
};
