// Upcasting as reads do it: an event the upcasters fail on (a poison event) never fails the read.
// It comes back as stored, at its stored schema version, flagged with `upcastError`, or is left
// out when the caller asks so. Migrations and aggregates keep the strict `upcastStored`.
import type { StoredEvent } from '../types.js';
import { UpcastError } from './upcastError.js';
import type { UpcasterRegistry } from './upcasters.js';

/** An item of a followed log, as far as skipping poison events concerns it. */
type FollowedItem =
  | { kind: 'events'; events: StoredEvent[]; checkpoint: unknown }
  | { kind: 'caught-up' | 'progress'; checkpoint: unknown };

export interface ReadUpcaster {
  /** The event at its type's latest version, or as stored with `upcastError` set. */
  one: (event: StoredEvent) => StoredEvent;
  /** A page of events upcast; flagged ones left out when `skip`. */
  page: (events: StoredEvent[], skip?: boolean) => StoredEvent[];
}

export const createReadUpcaster = (upcasters: UpcasterRegistry): ReadUpcaster => {
  const one = (event: StoredEvent): StoredEvent => {
    try {
      return upcasters.upcastStored(event);
    } catch (error) {
      if (!(error instanceof UpcastError)) throw error;
      return { ...event, upcastError: error.message };
    }
  };
  return {
    one,
    page: (events, skip = false) => {
      const upcast = events.map(one);
      return skip ? upcast.filter((event) => event.upcastError === undefined) : upcast;
    },
  };
};

/**
 * A followed log without its flagged events. A batch left empty becomes progress: the
 * checkpoint still moves past what was left out.
 */
export async function* skipUpcastFailures<Item extends FollowedItem>(
  items: AsyncGenerator<Item>,
): AsyncGenerator<Item | { kind: 'progress'; checkpoint: Item['checkpoint'] }> {
  for await (const item of items) {
    if (item.kind !== 'events' || !item.events.some((event) => event.upcastError !== undefined)) {
      yield item;
      continue;
    }
    const events = item.events.filter((event) => event.upcastError === undefined);
    yield events.length > 0
      ? { ...item, events }
      : { kind: 'progress', checkpoint: item.checkpoint };
  }
}
