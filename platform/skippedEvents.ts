// Platform events that readers skipped because they do not fit their schema, counted once each
// per reader and event type for the process's lifetime (a page read again counts nothing new): what `/metrics` exposes (Prometheus text), beside
// the log line and the console warning each skip also gives.
import { describeMalformed, type MalformedPlatformEvent } from './platformEvents.js';

/** Readers of platform events, as the metric's `reader` label names them. */
export type PlatformEventReader =
  'alias_history' | 'console_datasets' | 'console_model' | 'console_overview' | 'get_model';

const counts = new Map<string, { reader: string; type: string; count: number }>();
/** The events counted, by reader: each is counted once, however often it is read again. */
const seen = new Set<string>();
/** Beyond this many distinct skipped events the set stops growing (they are still logged). */
const MAX_SEEN = 100_000;

/** Counts the skipped events and logs one line naming each (when there are any). */
export const reportMalformed = (
  reader: PlatformEventReader,
  where: string,
  malformed: readonly MalformedPlatformEvent[],
  onWarning?: (message: string) => void,
): void => {
  if (malformed.length === 0) return;
  for (const { type, eventId } of malformed) {
    const id = `${reader}\u0000${eventId}`;
    if (seen.has(id) || seen.size >= MAX_SEEN) continue;
    seen.add(id);
    const key = `${reader}\u0000${type}`;
    const entry = counts.get(key) ?? { reader, type, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  onWarning?.(describeMalformed(where, [...malformed]));
};

/** The counts so far, by reader and type. */
export const skippedEventCounts = (): { reader: string; type: string; count: number }[] =>
  [...counts.values()].map((entry) => ({ ...entry }));

const label = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The counter in Prometheus' text exposition format (version 0.0.4). */
export const skippedEventsMetric = (): string =>
  [
    '# HELP hindsight_platform_events_skipped_total Distinct platform events a reader skipped ' +
      'because they do not fit their schema.',
    '# TYPE hindsight_platform_events_skipped_total counter',
    ...skippedEventCounts().map(
      ({ reader, type, count }) =>
        `hindsight_platform_events_skipped_total{reader="${label(reader)}",type="${label(type)}"} ${count}`,
    ),
    '',
  ].join('\n');
