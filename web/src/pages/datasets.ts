// Datasets: the list (filterable by view) and one dataset's manifest and lineage.
import type { DatasetDetail, DatasetView, Page } from '../../../services/console/api.js';
import { apiPath, getJson } from '../api.js';
import { h, Region, s } from '../dom.js';
import { filterForm } from '../filters.js';
import { compactJson, count, dateTime, num, shortDigest } from '../format.js';
import { colour } from '../charts/frame.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { Pager, externalLink, facts, muted, pre, section, table, td, time } from '../ui.js';
import { workflowHref } from '../workflowTable.js';

const PAGE_SIZE = 25;

export const datasetHref = (digest: string): string => href(['datasets', digest]);

/** `late: 188 · on time: 812` with a small stacked bar of the same parts. */
const stackedBar = (parts: readonly [string, number][]): HTMLElement => {
  const shown = parts.filter(([, value]) => value > 0);
  const total = shown.reduce((sum, [, value]) => sum + value, 0);
  let offset = 0;
  const bar =
    total > 0
      ? s(
          'svg',
          { class: 'balance-bar', viewBox: '0 0 100 6', preserveAspectRatio: 'none', role: 'img' },
          shown.map(([label, value], index) => {
            const width = (value / total) * 100;
            const rect = s(
              'rect',
              { x: offset, y: 0, width, height: 6, fill: colour(index) },
              s('title', null, `${label}: ${num(value)} (${((value / total) * 100).toFixed(1)}%)`),
            );
            offset += width;
            return rect;
          }),
        )
      : null;
  return h(
    'div',
    { class: 'balance' },
    h('span', null, shown.map(([label, value]) => `${label}: ${num(value)}`).join(' · ') || '—'),
    bar,
  );
};

const field = (record: unknown, name: string): number => {
  const value = (record as Record<string, unknown> | null)?.[name];
  return typeof value === 'number' ? value : 0;
};

/** The rows' outcomes: positives, negatives, and rows without one. */
const labelBalance = (balance: Record<string, number | null>): HTMLElement =>
  stackedBar([
    ['1', field(balance, 'positives')],
    ['0', field(balance, 'negatives')],
    ['no label', field(balance, 'unlabelled')],
  ]);

/** The dataset's windows in commit order, then the rows left out of them. */
const splitBar = (split: unknown): HTMLElement =>
  stackedBar(
    ['train', 'validation', 'test', 'purged', 'immature', 'unlabelled'].map((name) => [
      name,
      field(split, name),
    ]),
  );

const observed = (value: number | string | null): string =>
  value === null ? '—' : typeof value === 'number' ? dateTime(value) : value;

export const datasetsPage: PageFactory = ({ route, refreshNow }) => {
  const { query } = route;
  const list = new Region();
  const pager = new Pager(refreshNow);
  const element = h(
    'div',
    { class: 'page datasets' },
    h('h1', null, 'Datasets'),
    filterForm(
      ['datasets'],
      [{ name: 'view', label: 'View', kind: 'text', placeholder: 'view name' }],
      query,
    ),
    section('Generated datasets', pager.element, list.element),
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<Page<DatasetView>>(
      apiPath(['datasets'], { view: query.get('view'), pageSize: PAGE_SIZE, page: pager.token }),
    );
    list.update(data.items, (items) =>
      table(
        [
          'Generated',
          'View',
          'Digest',
          { label: 'Events', numeric: true },
          { label: 'Rows', numeric: true },
          'Label balance',
          'Cut',
          '',
        ],
        items.map((dataset) =>
          h(
            'tr',
            { 'data-testid': 'dataset-row', 'data-digest': dataset.digest },
            td(time(dataset.generatedAt)),
            td([
              h('a', { href: href(['datasets'], { view: dataset.view.name }) }, dataset.view.name),
              ' ',
              muted(shortDigest(dataset.view.codeHash, 8)),
            ]),
            td(
              h(
                'a',
                { href: datasetHref(dataset.digest), class: 'mono', title: dataset.digest },
                shortDigest(dataset.digest),
              ),
            ),
            td(count(dataset.events), 'num'),
            td(count(dataset.rows), 'num'),
            td(labelBalance(dataset.labelBalance)),
            td(
              h(
                'code',
                { class: 'small', title: compactJson(dataset.cut, 2000) },
                compactJson(dataset.cut, 40),
              ),
            ),
            td(externalLink(dataset.mlflow.runUrl, 'MLflow run')),
          ),
        ),
        'No datasets yet.',
      ),
    );
    pager.render(data.next);
  };

  return { nav: 'datasets', title: 'Datasets', element, refresh };
};

export const datasetDetailPage: PageFactory = ({ route }) => {
  const digest = route.segments[1] ?? '';
  const summary = new Region();
  const lineage = new Region();
  const manifest = new Region();
  const element = h(
    'div',
    { class: 'page dataset-detail' },
    h(
      'div',
      { class: 'crumbs' },
      h('a', { href: href(['datasets']) }, 'Datasets'),
      ' / ',
      h('span', { class: 'mono' }, shortDigest(digest)),
    ),
    h('h1', { class: 'mono' }, `Dataset ${shortDigest(digest)}`),
    summary.element,
    section('Models trained on it', null, lineage.element),
    manifest.element,
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<DatasetDetail>(apiPath(['datasets', digest]));
    const { manifest: manifestData, models, ...rest } = data;
    summary.update(rest, (d) =>
      h(
        'div',
        { class: 'grid-2' },
        section(
          'Summary',
          externalLink(d.mlflow.runUrl, 'MLflow run'),
          facts([
            ['Digest', h('span', { class: 'mono small' }, d.digest)],
            [
              'View',
              [
                h('a', { href: href(['datasets'], { view: d.view.name }) }, d.view.name),
                ' ',
                muted(`code ${shortDigest(d.view.codeHash, 12)}`),
              ],
            ],
            ['Generated', dateTime(d.generatedAt)],
            ['Events', count(d.events)],
            ['Rows', count(d.rows)],
            ['Label balance', labelBalance(d.labelBalance)],
            ['Split', splitBar(d.split)],
            ['Observed from', observed(d.observedFrom)],
            ['Observed until', observed(d.observedUntil)],
            ['Log position', h('a', { href: href(['events']) }, count(d.position))],
            [
              'Workflow',
              d.workflowId
                ? h('a', { href: workflowHref(d.workflowId), class: 'mono' }, d.workflowId)
                : null,
            ],
            ['MLflow', `experiment ${d.mlflow.experimentId}, run ${d.mlflow.runId}`],
          ]),
        ),
        h('div', null, section('Cut', null, pre(d.cut)), section('Split', null, pre(d.split))),
      ),
    );
    lineage.update(models, (list) =>
      table(
        ['Model', 'Version', 'Trainer', 'Aliases', ''],
        list.map((model) =>
          h(
            'tr',
            { 'data-testid': 'lineage-row' },
            td(h('a', { href: href(['models', model.model]) }, model.model)),
            td(`v${model.version}`),
            td(model.trainer),
            td(model.aliases.map((alias) => h('span', { class: `tag alias-${alias}` }, alias))),
            td(externalLink(model.url, 'MLflow')),
          ),
        ),
        'No model versions trained on this dataset yet.',
      ),
    );
    manifest.update(manifestData, (m) =>
      section(
        'Manifest',
        muted('dataset/manifest.json'),
        m === null ? muted('The manifest is gone from MLflow.') : pre(m),
      ),
    );
  };

  return { nav: 'datasets', title: `Dataset ${shortDigest(digest)}`, element, refresh };
};
