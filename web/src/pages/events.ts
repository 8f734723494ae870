// The event store: categories, recent events (filtered by category and type), subscriptions,
// and the events feature views quarantined.
import type {
  CategoryView,
  EventView,
  Page,
  QuarantinedEvents,
  Subscriptions,
} from '../../../services/console/api.js';
import { apiPath, getJson } from '../api.js';
import { h, Region, s } from '../dom.js';
import { eventTable } from '../eventTable.js';
import { filterForm } from '../filters.js';
import { ago, count } from '../format.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { Pager, section, table, td, time } from '../ui.js';

const PAGE_SIZE = 25;

const lagBar = (lag: number, worst: number): SVGSVGElement => {
  const width = worst > 0 ? Math.max((lag / worst) * 100, lag > 0 ? 1 : 0) : 0;
  return s(
    'svg',
    { class: 'lag-bar', viewBox: '0 0 100 8', preserveAspectRatio: 'none', role: 'img' },
    s('rect', { x: 0, y: 0, width: 100, height: 8, class: 'lag-track' }),
    s(
      'rect',
      { x: 0, y: 0, width, height: 8, class: lag === 0 ? 'lag-fill zero' : 'lag-fill' },
      s('title', null, `${count(lag)} events behind`),
    ),
  );
};

export const eventsPage: PageFactory = ({ route, refreshNow }) => {
  const { query } = route;
  const categories = new Region();
  const categoryPager = new Pager(refreshNow);
  const recent = new Region();
  const recentPager = new Pager(refreshNow);
  const subscriptions = new Region();
  const quarantine = new Region();
  const open = new Set<string>();

  const element = h(
    'div',
    { class: 'page events' },
    h('h1', null, 'Event store'),
    h(
      'div',
      { class: 'grid-2' },
      section(
        'Categories',
        [h('a', { href: href(['events', 'streams']) }, 'All streams →'), categoryPager.element],
        categories.element,
      ),
      section('Subscriptions', null, subscriptions.element),
    ),
    section(
      'Recent events',
      recentPager.element,
      filterForm(
        ['events'],
        [
          { name: 'category', label: 'Category', kind: 'text', placeholder: 'e.g. customer' },
          { name: 'type', label: 'Type', kind: 'text', placeholder: 'e.g. OrderPlaced' },
        ],
        query,
      ),
      recent.element,
    ),
    section('Quarantined events', null, quarantine.element),
  );

  const refresh = async (): Promise<void> => {
    const [categoryPage, recentPage, subs, quarantined] = await Promise.all([
      getJson<Page<CategoryView>>(
        apiPath(['events', 'categories'], { pageSize: PAGE_SIZE, page: categoryPager.token }),
      ),
      getJson<Page<EventView>>(
        apiPath(['events', 'recent'], {
          category: query.get('category'),
          type: query.get('type'),
          pageSize: PAGE_SIZE,
          page: recentPager.token,
        }),
      ),
      getJson<Subscriptions>(apiPath(['events', 'subscriptions'])),
      getJson<QuarantinedEvents>(apiPath(['events', 'quarantine'], { limit: PAGE_SIZE })),
    ]);
    quarantine.update(quarantined.items, (items) =>
      table(
        ['View', 'Event', { label: 'Position', numeric: true }, 'Stage', 'Reason', 'Since'],
        items.map((item) =>
          h(
            'tr',
            { 'data-testid': 'quarantine-row', 'data-event-id': item.eventId },
            td(item.view),
            td([
              h('a', { href: href(['events', 'streams', item.streamId]) }, item.streamId),
              ' ',
              h('span', { class: 'muted small' }, `${item.type} v${item.schemaVersion}`),
            ]),
            td(count(item.globalPosition), 'num'),
            td(item.stage),
            td(h('span', { class: 'small' }, item.reason)),
            td(time(item.quarantinedAt)),
          ),
        ),
        'No quarantined events: every view read every event.',
      ),
    );
    categories.update(categoryPage.items, (items) =>
      table(
        ['Category', { label: 'Streams', numeric: true }, ''],
        items.map((category) =>
          h(
            'tr',
            { 'data-testid': 'category-row', 'data-category': category.category },
            td(
              h(
                'a',
                { href: href(['events', 'streams'], { category: category.category }) },
                category.category,
              ),
            ),
            td(count(category.streams), 'num'),
            td(
              h(
                'a',
                { href: href(['events'], { category: category.category }), class: 'small' },
                'events',
              ),
            ),
          ),
        ),
        'No categories yet.',
      ),
    );
    categoryPager.render(categoryPage.next);
    recent.update(recentPage.items, (items) => eventTable(items, open, { showStream: true }));
    recentPager.render(recentPage.next);
    const now = Math.floor(Date.now() / 5000) * 5000;
    subscriptions.update({ subs, now }, ({ subs: data }) => {
      const worst = Math.max(0, ...data.items.map((item) => item.lag));
      return [
        h('p', { class: 'muted small' }, `Log head at position ${count(data.head)}.`),
        table(
          [
            'Subscription',
            { label: 'Checkpoint', numeric: true },
            { label: 'Lag', numeric: true },
            '',
            'Updated',
          ],
          data.items.map((sub) =>
            h(
              'tr',
              {
                'data-testid': 'subscription-row',
                'data-subscription': sub.name,
                'data-lag': String(sub.lag),
              },
              td(sub.name),
              td(count(sub.globalPosition), 'num'),
              td(`${count(sub.lag)}${sub.lagCapped ? '+' : ''}`, 'num'),
              td(lagBar(sub.lag, worst), 'bar-cell'),
              td([
                time(sub.updatedAt),
                ' ',
                h('span', { class: 'muted small' }, ago(sub.updatedAt)),
              ]),
            ),
          ),
          'No subscriptions.',
        ),
      ];
    });
  };

  return { nav: 'events', title: 'Event store', element, refresh };
};
