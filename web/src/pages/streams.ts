// Streams (optionally of one category), and one stream's events paged by version.
import type { Page, StreamEvents, StreamView } from '../../../services/console/api.js';
import { apiPath, getJson } from '../api.js';
import { h, Region } from '../dom.js';
import { eventTable, streamHref } from '../eventTable.js';
import { filterForm } from '../filters.js';
import { count } from '../format.js';
import type { PageFactory } from '../page.js';
import { href, navigate } from '../router.js';
import { Pager, badge, facts, muted, section, table, td, time } from '../ui.js';

const PAGE_SIZE = 50;
const EVENTS_PER_PAGE = 50;

export const streamsPage: PageFactory = ({ route, refreshNow }) => {
  const { query } = route;
  const category = query.get('category');
  const list = new Region();
  const pager = new Pager(refreshNow);
  const element = h(
    'div',
    { class: 'page streams' },
    h('div', { class: 'crumbs' }, h('a', { href: href(['events']) }, 'Event store'), ' / streams'),
    h('h1', null, category ? `Streams of ${category}` : 'Streams'),
    filterForm(
      ['events', 'streams'],
      [{ name: 'category', label: 'Category', kind: 'text' }],
      query,
    ),
    section('Streams', pager.element, list.element),
  );
  const refresh = async (): Promise<void> => {
    const data = await getJson<Page<StreamView>>(
      apiPath(['events', 'streams'], { category, pageSize: PAGE_SIZE, page: pager.token }),
    );
    list.update(data.items, (items) =>
      table(
        [
          'Stream',
          'Category',
          { label: 'Version', numeric: true },
          'Archived',
          'Created',
          'Updated',
        ],
        items.map((stream) =>
          h(
            'tr',
            { 'data-testid': 'stream-row', 'data-stream-id': stream.streamId },
            td(
              h('a', { href: streamHref(stream.streamId), class: 'mono' }, stream.streamId),
              'wrap',
            ),
            td(
              h(
                'a',
                { href: href(['events', 'streams'], { category: stream.category }) },
                stream.category,
              ),
            ),
            td(count(stream.version), 'num'),
            td(stream.archived ? badge('archived') : muted('no')),
            td(time(stream.createdAt)),
            td(time(stream.updatedAt)),
          ),
        ),
        'No streams.',
      ),
    );
    pager.render(data.next);
  };
  return { nav: 'events', title: 'Streams', element, refresh };
};

export const streamPage: PageFactory = ({ route }) => {
  const streamId = route.segments[2] ?? '';
  const fromText = route.query.get('from');
  const from = fromText !== null && /^\d+$/.test(fromText) ? Number(fromText) : null;
  const summary = new Region(h('div', { class: 'detail-head' }));
  const events = new Region();
  const paging = h('div', { class: 'pager' });
  const open = new Set<string>();
  const element = h(
    'div',
    { class: 'page stream' },
    h(
      'div',
      { class: 'crumbs' },
      h('a', { href: href(['events']) }, 'Event store'),
      ' / ',
      h('a', { href: href(['events', 'streams']) }, 'streams'),
      ' / ',
      h('span', { class: 'mono' }, streamId),
    ),
    h('h1', { class: 'mono' }, streamId),
    summary.element,
    section('Events', paging, events.element),
  );

  const pageButton = (label: string, target: string | null): HTMLButtonElement => {
    const button = h(
      'button',
      { type: 'button', class: 'small', disabled: target === null },
      label,
    );
    button.addEventListener('click', () => {
      if (target !== null) navigate(target);
    });
    return button;
  };

  const refresh = async (): Promise<void> => {
    const data = await getJson<StreamEvents>(
      apiPath(['events', 'streams', streamId], { from, limit: EVENTS_PER_PAGE }),
    );
    summary.update(data.stream, (stream) =>
      facts([
        [
          'Category',
          h(
            'a',
            { href: href(['events', 'streams'], { category: stream.category }) },
            stream.category,
          ),
        ],
        ['Version', count(stream.version)],
        ['Archived', stream.archived ? badge('archived') : 'no'],
        ['Created', time(stream.createdAt)],
        ['Updated', time(stream.updatedAt)],
      ]),
    );
    const first = data.events[0]?.streamVersion ?? from ?? 1;
    const last = data.events.at(-1)?.streamVersion ?? first - 1;
    const older = first > 1 ? streamHref(streamId, Math.max(1, first - EVENTS_PER_PAGE)) : null;
    const newer = data.next !== null ? streamHref(streamId, data.next) : null;
    paging.replaceChildren(
      pageButton('« Newest', from === null ? null : streamHref(streamId)),
      pageButton('‹ Older', older),
      h(
        'span',
        { class: 'muted' },
        data.events.length === 0
          ? 'no events'
          : `versions ${first}–${last} of ${data.stream.version}`,
      ),
      pageButton('Newer ›', newer),
    );
    events.update(data.events, (list) => eventTable(list, open, { showStream: false }));
  };
  return { nav: 'events', title: streamId, element, refresh };
};
