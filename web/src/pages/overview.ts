// The overview: component health, the event log's rate, the latest workflows and the champions.
import type { Overview } from '../../../services/console/api.js';
import { getJson } from '../api.js';
import { barChart } from '../charts/barChart.js';
import { h, Region } from '../dom.js';
import { ago, count, num } from '../format.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { badge, externalLink, facts, muted, section, table, td, time } from '../ui.js';
import { workflowTable } from '../workflowTable.js';

const COMPONENT_NAMES: Record<string, string> = {
  postgres: 'PostgreSQL',
  temporal: 'Temporal',
  mlflow: 'MLflow',
  worker: 'Worker',
};

const coarseNow = (): number => Math.floor(Date.now() / 5000) * 5000;

/** 'hindsight.v1.Models' → 'Models (Predict)': what an operator knows the service by. */
const serviceName = (service: string): string => {
  const name = service.replace(/^hindsight\.v1\./, '');
  return name === 'Models' ? 'Models (Predict)' : name;
};

export const overviewPage: PageFactory = () => {
  const health = new Region(h('div', { class: 'cards' }));
  const events = new Region();
  const workflows = new Region();
  const champions = new Region();
  const links = new Region(h('div', { class: 'link-list' }));

  const element = h(
    'div',
    { class: 'page overview' },
    h('h1', null, 'Overview'),
    health.element,
    h(
      'div',
      { class: 'grid-2' },
      section('Event store', h('a', { href: href(['events']) }, 'Event store →'), events.element),
      section('Champions', h('a', { href: href(['models']) }, 'All models →'), champions.element),
    ),
    section(
      'Latest workflows',
      h('a', { href: href(['workflows']) }, 'All workflows →'),
      workflows.element,
    ),
    section('Elsewhere', null, links.element),
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<Overview>('/api/overview');
    health.update(data.components, (components) =>
      components.map((component) =>
        h(
          'div',
          {
            class: `card health ${component.ok ? 'ok' : 'failed'}`,
            'data-testid': `component-${component.name}`,
            'data-ok': String(component.ok),
          },
          h(
            'div',
            { class: 'card-head' },
            h('span', { class: 'card-title' }, COMPONENT_NAMES[component.name] ?? component.name),
            badge(component.ok ? 'ok' : 'failed'),
          ),
          h('div', { class: 'card-detail', title: component.detail }, component.detail),
          component.affects.length > 0
            ? h(
                'div',
                { class: 'card-detail', 'data-testid': `affects-${component.name}` },
                `Not serving: ${component.affects.map(serviceName).join(', ')}`,
              )
            : null,
          h(
            'div',
            { class: 'card-foot muted' },
            component.latencyMs === null ? 'no latency' : `${num(component.latencyMs, 0)} ms`,
          ),
        ),
      ),
    );
    events.update({ events: data.events, now: coarseNow() }, ({ events: e }) =>
      e === null
        ? [muted('The event store cannot be read now.')]
        : [
            h(
              'div',
              { class: 'stats' },
              stat('head position', count(e.head)),
              stat('events / s (last minute)', num(e.ratePerSecond, 2)),
              stat(
                'last recorded',
                e.lastRecordedAt === null ? '—' : ago(e.lastRecordedAt),
                e.lastRecordedAt,
              ),
            ),
            h('div', { class: 'chart-caption' }, 'Events recorded per minute, last hour'),
            barChart(
              e.perMinute.map((point) => ({ at: point.at, value: point.events })),
              {
                slotMs: 60_000,
                yTitle: 'events / min',
                unit: 'events',
                attrs: { 'data-testid': 'rate-chart' },
              },
            ),
          ],
    );
    workflows.update({ list: data.workflows, now: coarseNow() }, ({ list, now }) =>
      workflowTable(list, now, 'No workflows yet.'),
    );
    champions.update(data.champions, (list) =>
      table(
        ['Model', 'Champion', 'ROC AUC', 'Since'],
        list.map((champion) =>
          h(
            'tr',
            {
              'data-testid': 'champion',
              'data-model': champion.model,
              'data-version': champion.version ?? '',
            },
            td(h('a', { href: href(['models', champion.model]) }, champion.model)),
            td(
              champion.version === null
                ? muted('none')
                : h('span', { class: 'tag champion-tag' }, `v${champion.version}`),
            ),
            td(num(champion.rocAuc, 3), 'num'),
            td(time(champion.since)),
          ),
        ),
        'No registered models yet.',
      ),
    );
    links.update(data.links, (l) =>
      facts([
        [
          'Temporal UI',
          l.temporalUi
            ? externalLink(
                `${l.temporalUi.replace(/\/$/, '')}/namespaces/${encodeURIComponent(l.temporalNamespace)}/workflows`,
                l.temporalUi,
              )
            : muted('not configured'),
        ],
        ['Temporal namespace', l.temporalNamespace],
        ['MLflow UI', externalLink(l.mlflowUi, l.mlflowUi)],
      ]),
    );
  };

  return { nav: 'overview', title: 'Overview', element, refresh };
};

const stat = (label: string, value: string, at?: number | null): HTMLElement =>
  h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-value', title: at ? new Date(at).toISOString() : null }, value),
    h('div', { class: 'stat-label' }, label),
  );
