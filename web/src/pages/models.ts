// Registered models: the list, and one model's versions, alias history, live evaluation,
// calibration and retrainings.
import type {
  GainIntervalView,
  LiveWindowPoint,
  ModelDetail,
  ModelListItem,
  ModelVersionView,
  Page,
} from '../../../services/console/api.js';
import { apiPath, getJson } from '../api.js';
import { calibrationPlot } from '../charts/calibrationPlot.js';
import type { LineSeries } from '../charts/lineChart.js';
import { lineChart } from '../charts/lineChart.js';
import { h, Region } from '../dom.js';
import { count, num, percent, shortDigest } from '../format.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import {
  Pager,
  badge,
  externalLink,
  facts,
  foldedJson,
  muted,
  section,
  table,
  td,
  time,
} from '../ui.js';
import { workflowHref } from '../workflowTable.js';
import { datasetHref } from './datasets.js';

const PAGE_SIZE = 50;

const signed = (value: number): string => `${value > 0 ? '+' : ''}${value.toFixed(4)}`;

/** "+0.0210 (95%: +0.0040 to +0.0380)", or a dash when the decision had no interval. */
const significance = (interval: GainIntervalView | null): HTMLElement =>
  interval
    ? h(
        'span',
        {
          class: interval.lower > 0 ? 'significant' : 'not-significant',
          'data-testid': 'alias-interval',
          title: `${interval.metric} gain over ${count(interval.rows)} rows, ${count(interval.resamples)} paired resamples; standard error ${interval.standardError.toFixed(4)}`,
        },
        `${interval.metric} ${signed(interval.gain)} `,
        muted(
          `(${Number((interval.confidence * 100).toFixed(2))}%: ${signed(interval.lower)} to ${signed(interval.upper)})`,
        ),
      )
    : muted('—');

export const modelHref = (name: string): string => href(['models', name]);

const aliasTags = (aliases: string[]): HTMLElement[] =>
  aliases.map((alias) => h('span', { class: `tag alias alias-${alias}` }, alias));

export const modelsPage: PageFactory = ({ refreshNow }) => {
  const list = new Region();
  const pager = new Pager(refreshNow);
  const element = h(
    'div',
    { class: 'page models' },
    h('h1', null, 'Models'),
    section('Registered models', pager.element, list.element),
  );
  const refresh = async (): Promise<void> => {
    const data = await getJson<Page<ModelListItem>>(
      apiPath(['models'], { pageSize: PAGE_SIZE, page: pager.token }),
    );
    list.update(data.items, (items) =>
      table(
        ['Model', 'Champion', 'Latest', 'Updated', ''],
        items.map((model) =>
          h(
            'tr',
            { 'data-testid': 'model-row', 'data-model': model.name },
            td(h('a', { href: modelHref(model.name) }, model.name)),
            td(
              model.championVersion === null
                ? muted('none')
                : h('span', { class: 'tag champion-tag' }, `v${model.championVersion}`),
            ),
            td(model.latestVersion === null ? muted('—') : `v${model.latestVersion}`),
            td(time(model.updatedAt)),
            td(externalLink(model.url, 'MLflow')),
          ),
        ),
        'No registered models yet.',
      ),
    );
    pager.render(data.next);
  };
  return { nav: 'models', title: 'Models', element, refresh };
};

const METRIC_ORDER = [
  'roc_auc',
  'log_loss',
  'brier',
  'ece',
  'accuracy',
  'f1',
  'precision',
  'recall',
];
const MAX_METRIC_COLUMNS = 6;

/** The metric columns: the well-known ones first, then the rest alphabetically, at most six. */
const metricColumns = (versions: ModelVersionView[]): string[] => {
  const present = new Set(versions.flatMap((version) => Object.keys(version.metrics)));
  const rank = (name: string): number => {
    const bare = name.replace(/^(val_|validation_|test_|live_)/, '');
    const index = METRIC_ORDER.indexOf(bare);
    return index === -1 ? METRIC_ORDER.length : index;
  };
  return [...present]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, MAX_METRIC_COLUMNS);
};

const versionsTable = (versions: ModelVersionView[], champion: string | null): HTMLElement => {
  const metrics = metricColumns(versions);
  return table(
    [
      'Version',
      'Aliases',
      'Created',
      'Trainer',
      'Dataset',
      ...metrics.map((label) => ({ label, numeric: true })),
      'Pipeline',
      '',
    ],
    versions.map((version) => {
      const hidden = Object.entries(version.metrics)
        .filter(([name]) => !metrics.includes(name))
        .map(([name, value]) => `${name}: ${num(value, 4)}`)
        .join('\n');
      return h(
        'tr',
        {
          class: version.version === champion ? 'champion-row' : null,
          'data-testid': 'version-row',
          'data-version': version.version,
          title: hidden || null,
        },
        td(h('strong', null, `v${version.version}`)),
        td(aliasTags(version.aliases)),
        td(time(version.createdAt)),
        td(version.trainer ?? muted('—')),
        td(
          version.datasetDigest
            ? h(
                'a',
                {
                  href: datasetHref(version.datasetDigest),
                  class: 'mono',
                  title: version.datasetDigest,
                },
                shortDigest(version.datasetDigest, 10),
              )
            : muted('—'),
        ),
        metrics.map((name) => td(num(version.metrics[name], 4), 'num')),
        td(
          version.workflowId
            ? h(
                'a',
                { href: workflowHref(version.workflowId), class: 'mono small' },
                version.workflowId,
              )
            : muted('—'),
          'wrap',
        ),
        td(externalLink(version.url, 'MLflow')),
      );
    }),
    'No versions yet.',
  );
};

const liveSeries = (
  live: LiveWindowPoint[],
  pick: (point: LiveWindowPoint) => number | null,
): LineSeries[] => {
  const byVersion = new Map<string, LiveWindowPoint[]>();
  for (const point of live) {
    const list = byVersion.get(point.version) ?? [];
    list.push(point);
    byVersion.set(point.version, list);
  }
  return [...byVersion.entries()].map(([version, points]) => ({
    name: `v${version}`,
    points: points.map((point) => ({
      x: point.end,
      y: pick(point),
      note: `window ${point.windowIndex}: ${count(point.labelled)}/${count(point.predictions)} labelled (${percent(point.labelCoverage)})`,
    })),
  }));
};

export const modelDetailPage: PageFactory = ({ route }) => {
  const name = route.segments[1] ?? '';
  const header = new Region(h('div', { class: 'detail-head' }));
  const versions = new Region();
  const live = new Region(h('div', { class: 'chart-box' }));
  const calibration = new Region(h('div', { class: 'chart-box' }));
  const aliases = new Region();
  const skipped = new Region();
  const retrainings = new Region();
  const openRetrainings = new Set<string>();
  const element = h(
    'div',
    { class: 'page model-detail' },
    h('div', { class: 'crumbs' }, h('a', { href: href(['models']) }, 'Models'), ' / ', name),
    header.element,
    skipped.element,
    section('Versions', muted('newest first'), versions.element),
    h(
      'div',
      { class: 'grid-charts' },
      section('Live evaluation', muted('per window, by end time'), live.element),
      section('Calibration', muted("champion's latest windows"), calibration.element),
    ),
    section('Alias history', muted('newest first'), aliases.element),
    section('Retrainings started by live evaluation', null, retrainings.element),
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<ModelDetail>(apiPath(['models', name]));
    header.update(
      { name: data.name, champion: data.championVersion, url: data.url, live: data.liveEvaluation },
      (d) => [
        h(
          'div',
          { class: 'title-row' },
          h('h1', null, d.name),
          d.champion === null
            ? h(
                'span',
                { class: 'muted', 'data-testid': 'model-champion', 'data-version': '' },
                'no champion',
              )
            : h(
                'span',
                {
                  class: 'tag champion-tag big',
                  'data-testid': 'model-champion',
                  'data-version': d.champion,
                },
                `champion v${d.champion}`,
              ),
          externalLink(d.url, 'Open in MLflow'),
        ),
        facts([
          [
            'Live evaluation',
            d.live
              ? [
                  h(
                    'a',
                    { href: workflowHref(d.live.workflowId), class: 'mono' },
                    d.live.workflowId,
                  ),
                  ' ',
                  badge(d.live.status),
                ]
              : muted('not started'),
          ],
        ]),
      ],
    );
    // Platform events that do not fit their schema are left out of the page, never a failure.
    skipped.update(data.skippedEvents, (events) =>
      events.length === 0
        ? []
        : [
            h(
              'div',
              { class: 'notice warn', 'data-testid': 'skipped-events' },
              h(
                'strong',
                null,
                `${events.length} malformed platform event${events.length === 1 ? '' : 's'} left out: `,
              ),
              events
                .map(
                  (event) =>
                    `${event.type} ${event.eventId} on ${event.streamId} (${event.problem})`,
                )
                .join('; '),
            ),
          ],
    );
    versions.update({ versions: data.versions, champion: data.championVersion }, (d) =>
      versionsTable(d.versions, d.champion),
    );
    live.update(data.live, (points) =>
      lineChart(
        [
          { title: 'ROC AUC', series: liveSeries(points, (point) => point.rocAuc) },
          { title: 'log loss', series: liveSeries(points, (point) => point.logLoss) },
        ],
        { attrs: { 'data-testid': 'live-chart' } },
      ),
    );
    calibration.update(data.calibration, (c) => [
      calibrationPlot(c?.bins ?? [], {
        label: c ? `v${c.version} (${c.windows} windows)` : '',
        attrs: { 'data-testid': 'calibration-plot' },
      }),
    ]);
    aliases.update(data.aliasHistory, (history) =>
      table(
        [
          'When',
          'Outcome',
          'Champion',
          'Decided by',
          'Reviewer',
          'Gain (interval)',
          'Reason',
          'Dataset',
          'Pipeline',
        ],
        [...history].reverse().map((change) =>
          h(
            'tr',
            {
              'data-testid': 'alias-row',
              'data-decided-by': change.decidedBy,
              class: change.decidedBy === 'rollback' ? 'rollback-row' : null,
            },
            td(time(change.at)),
            td(badge(change.decidedBy === 'rollback' ? 'rolled_back' : change.outcome)),
            td([
              change.fromVersion === null ? muted('none') : `v${change.fromVersion}`,
              ' → ',
              h('strong', null, `v${change.toVersion}`),
            ]),
            td(change.decidedBy),
            td(change.reviewer ?? muted('—')),
            td(significance(change.interval)),
            td(change.reason, 'wrap'),
            td(
              // A rollback restores a version whose lineage may not name a dataset.
              change.datasetDigest
                ? h(
                    'a',
                    { href: datasetHref(change.datasetDigest), class: 'mono' },
                    shortDigest(change.datasetDigest, 10),
                  )
                : muted('—'),
            ),
            td(
              h(
                'a',
                { href: workflowHref(change.pipelineId), class: 'mono small' },
                change.pipelineId,
              ),
              'wrap',
            ),
          ),
        ),
        'The champion alias has not moved yet.',
      ),
    );
    retrainings.update(data.retrainings, (list) =>
      list.length === 0
        ? muted('None.')
        : table(
            ['When', 'Reason'],
            [...list]
              .reverse()
              .map((retraining) =>
                h(
                  'tr',
                  null,
                  td(time(retraining.at)),
                  td(foldedJson(String(retraining.at), retraining.reason, openRetrainings)),
                ),
              ),
          ),
    );
  };

  return { nav: 'models', title: name, element, refresh };
};
