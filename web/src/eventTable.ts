// The event table shared by the recent events and a stream's page.
import type { EventView } from '../../services/console/api.js';
import { h } from './dom.js';
import { count } from './format.js';
import { href } from './router.js';
import { foldedJson, muted, pre, table, td, time } from './ui.js';

export const streamHref = (streamId: string, from?: number | null): string =>
  href(['events', 'streams', streamId], { from: from ?? null });

export const eventTable = (
  events: EventView[],
  open: Set<string>,
  { showStream }: { showStream: boolean },
): HTMLElement =>
  table(
    [
      { label: 'Position', numeric: true },
      ...(showStream ? ['Stream'] : []),
      { label: 'Version', numeric: true },
      'Type',
      'Occurred',
      'Recorded',
      'Data',
    ],
    events.map((event) =>
      h(
        'tr',
        {
          'data-testid': 'event-row',
          'data-event-type': event.type,
          'data-position': String(event.globalPosition),
        },
        td(count(event.globalPosition), 'num'),
        showStream
          ? td(
              h('a', { href: streamHref(event.streamId), class: 'mono small' }, event.streamId),
              'wrap',
            )
          : null,
        td(String(event.streamVersion), 'num'),
        td([
          h('span', { class: 'event-type' }, event.type),
          event.schemaVersion > 1 ? muted(` v${event.schemaVersion}`) : null,
          event.upcastError
            ? h(
                'div',
                { class: 'small', 'data-testid': 'upcast-error', title: event.upcastError },
                `as stored: ${event.upcastError}`,
              )
            : null,
        ]),
        td(time(event.occurredAt)),
        td(time(event.recordedAt)),
        td(
          foldedJson(
            event.eventId,
            event.data,
            open,
            h('div', { class: 'folded-label' }, `metadata · event ${event.eventId}`),
            pre(event.metadata),
          ),
          'data-cell',
        ),
      ),
    ),
    'No events.',
  );
