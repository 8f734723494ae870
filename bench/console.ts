// (k) The web console's page loads at scale: about a million events in the store and ten
// thousand workflows in Temporal's visibility (consoleWorld.ts; the set-up is not timed, but
// printed). Each page's load is the JSON calls its browser code makes (web/src/pages/*.ts), in
// parallel as the browser makes them, over HTTP to the console in this process; after a warm-up,
// 10 loads, alternating with the page's raw baseline: the cheapest raw calls that answer the
// same (Temporal's visibility, plain pg on the same rows, MLflow), without the console. Then, in
// Chromium when there is one, a few pages from navigation to their first row, against the bare
// JSON call of the page. p95 of 10 loads is their slowest; a page whose warm-up took over 5 s is
// loaded twice more only. It also prints whether the newest events and datasets the console
// lists are the log's newest. BENCH_CONSOLE_EVENTS and BENCH_CONSOLE_WORKFLOWS shrink the world.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { projectRoot } from '../config/paths.js';
import { DATASET_GENERATED } from '../activities/datasets/recordDatasetGenerated.js';
import { CHAMPION_ALIAS } from '../activities/promotion/moveChampion.js';
import { evaluationStreamOf } from '../activities/evaluation/evaluateLiveWindows.js';
import { modelStreamOf } from '../activities/promotion/recordPromotion.js';
import type { DatasetView, EventView, Page, WorkflowSummary } from '../services/console/api.js';
import { RATE_EVENTS_READ } from '../services/console/overview.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { openBrowser, type BrowserPage } from './consoleBrowser.js';
import { MODEL, setUpConsoleWorld, type ConsoleWorld } from './consoleWorld.js';
import type { BenchEnvironment } from './environment.js';
import { percentile } from './measure.js';
import { figure, valueAtMost, type Figure } from './report.js';

const sizeFromEnv = (name: string, fallback: number, min: number): number => {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, not ${text}`);
  }
  return value;
};

const EVENTS = sizeFromEnv('BENCH_CONSOLE_EVENTS', 1_000_000, 10_000);
const WORKFLOWS = sizeFromEnv('BENCH_CONSOLE_WORKFLOWS', 10_000, 100);
const LOADS = 10;
/** A page whose warm-up load takes longer than this is loaded only `SLOW_LOADS` times more. */
const SLOW_MS = 5000;
const SLOW_LOADS = 2;
const BROWSER_LOADS = 5;
const PAGE_TARGET_MS = 1000;
/** The page sizes the browser code asks for (web/src/pages/*.ts). */
const WORKFLOWS_PAGE = 25;
const EVENTS_PAGE = 25;
const STREAMS_PAGE = 50;
const STREAM_EVENTS = 50;
const DATASETS_PAGE = 25;
const MODELS_PAGE = 50;
const SCHEDULES_PAGE = 20;
const FILTER = {
  type: WORKFLOW_TYPES.RetrainingPipeline,
  status: 'RUNNING',
  visibility: 'Running',
};
const CATEGORY = 'workorder';

interface PageSpec {
  name: string;
  /** The paths the page fetches at once. */
  calls: string[];
  /** What the baseline does, for the figure's name. */
  raw: string;
  baseline(): Promise<unknown>;
}

interface Stats {
  p50: number;
  p95: number;
}

const statsOf = (samples: number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

const ms = (value: number): string => `${value.toFixed(1)} ms`;

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

/** One call as the browser's getJson makes it: the body read whole and parsed. */
const fetchJson = async (base: string, call: string): Promise<{ ms: number; bytes: number }> => {
  const start = performance.now();
  const response = await fetch(`${base}${call}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`${call}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  if (response.headers.get('content-type')?.startsWith('application/json')) JSON.parse(text);
  return { ms: performance.now() - start, bytes: Buffer.byteLength(text) };
};

const getJson = async <T>(base: string, call: string): Promise<T> => {
  const response = await fetch(`${base}${call}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`${call}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
};

const connection = (world: ConsoleWorld, index: number): pg.Client => {
  const client = world.pg[index];
  if (!client) throw new Error(`no pg connection ${index}`);
  return client;
};

// The raw calls of the baselines.

const rawList = (world: ConsoleWorld, query: string, pageSize: number, token?: Uint8Array) =>
  world.temporal.workflowService.listWorkflowExecutions({
    namespace: world.namespace,
    pageSize,
    query,
    nextPageToken: token,
  });

const rawDetail = (world: ConsoleWorld, workflowId: string) =>
  Promise.all([
    world.temporal.workflowService.describeWorkflowExecution({
      namespace: world.namespace,
      execution: { workflowId },
    }),
    world.temporal.workflowService.getWorkflowExecutionHistory({
      namespace: world.namespace,
      execution: { workflowId },
      maximumPageSize: 1000,
    }),
  ]);

const CATEGORIES_SQL = /* sql */ `
  with recursive categories(category) as (
    (select category from hindsight.streams where category > '' order by category limit 1)
    union all
    select (select s.category from hindsight.streams s
             where s.category > c.category order by s.category limit 1)
      from categories c where c.category is not null
  )
  select c.category,
         (select count(*) from hindsight.streams s where s.category = c.category) as streams
    from (select category from categories where category is not null limit $1) c`;

// Ordered by the column, e.tx_id: a bare `tx_id` would name the output column, the text.
const RECENT_SQL = /* sql */ `
  select e.global_position, e.tx_id::text as tx_id, e.stream_id, e.stream_version, e.event_id,
         e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at
    from hindsight.events e order by e.tx_id desc, e.global_position desc limit $1`;

const DATASETS_SQL = /* sql */ `
  select e.global_position, e.tx_id::text as tx_id, e.data, e.metadata, e.occurred_at
    from hindsight.events e where e.category = $1 and e.event_type = $2
   order by e.tx_id desc, e.global_position desc limit $3`;

const SUBSCRIPTIONS_SQL = /* sql */ `
  select (select max(global_position) from hindsight.events) as head,
         subscription_name, global_position, updated_at
    from hindsight.checkpoints order by subscription_name limit 200`;

/** The overview's parts, each raw: what its sections need, from each source directly. */
const overviewParts = (world: ConsoleWorld): Record<string, () => Promise<unknown>> => {
  const head = (): Promise<number> =>
    connection(world, 0)
      .query<{ head: string }>('select max(global_position) as head from hindsight.events')
      .then(({ rows }) => Number(rows[0]?.head ?? 0));
  const rate = async (): Promise<unknown> => {
    const from = (await head()) - RATE_EVENTS_READ;
    const client = connection(world, 1);
    await client.query(
      `select date_trunc('minute', recorded_at) as minute, count(*) as events,
              max(recorded_at) as last
         from hindsight.events where global_position > $1 and recorded_at >= $2 group by 1`,
      [from, new Date(Date.now() - 3_600_000)],
    );
    return client.query(
      `select max(recorded_at) as recorded_at,
              count(*) filter (where recorded_at >= now() - interval '60 seconds') as recent
         from (select recorded_at from hindsight.events
                where global_position > $1 order by global_position desc limit 100000) latest`,
      [from],
    );
  };
  return {
    'postgres version': () => connection(world, 2).query('show server_version'),
    'temporal system info': () => world.temporal.workflowService.getSystemInfo({}),
    'mlflow search': () => world.mlflow.searchRegisteredModels({ maxResults: 1 }),
    'task queue pollers': () =>
      world.temporal.workflowService.describeTaskQueue({
        namespace: world.namespace,
        taskQueue: { name: world.taskQueue },
        taskQueueType: 1,
      }),
    'event rate (head + 2 queries)': rate,
    'newest 8 workflows': () => rawList(world, '', 8),
    champions: async () => {
      const { items } = await world.mlflow.searchRegisteredModels({ maxResults: 20 });
      return Promise.all(
        items.map((model) =>
          Promise.all([
            world.mlflow.getModelVersion({
              name: model.name,
              version: model.aliases[CHAMPION_ALIAS] ?? '1',
            }),
            connection(world, 3).query(
              `select data from hindsight.events where stream_id = $1
                order by stream_version desc limit 50`,
              [modelStreamOf(model.name)],
            ),
          ]),
        ),
      );
    },
  };
};

const pagesOf = async (world: ConsoleWorld): Promise<PageSpec[]> => {
  const { url } = world;
  const workflowsCall = `/api/workflows?pageSize=${WORKFLOWS_PAGE}`;
  const first = await getJson<Page<WorkflowSummary>>(url, workflowsCall);
  if (!first.next) throw new Error('the workflow list has a single page');
  const rawFirst = await rawList(world, '', WORKFLOWS_PAGE);
  const rawToken = rawFirst.nextPageToken ?? undefined;
  const visibilityFilter = `WorkflowType = '${FILTER.type}' AND ExecutionStatus = '${FILTER.visibility}'`;
  const parts = overviewParts(world);
  const { runningId, terminatedId } = world.workflows;
  const shell = ['web/index.html', 'dist/web/app.js', 'web/style.css'];
  const stream = world.log.longStream;
  return [
    {
      name: 'shell (/, app.js, style.css, /api/meta)',
      calls: ['/', '/assets/app.js', '/assets/style.css', '/api/meta'],
      raw: 'readFile of the 3 files',
      baseline: () => Promise.all(shell.map((file) => readFile(path.join(projectRoot, file)))),
    },
    {
      name: 'Overview',
      calls: ['/api/overview'],
      raw: 'its raw parts at once',
      baseline: () => Promise.all(Object.values(parts).map((part) => part())),
    },
    {
      name: 'Workflows',
      calls: [workflowsCall],
      raw: `listWorkflowExecutions of ${WORKFLOWS_PAGE}`,
      baseline: () => rawList(world, '', WORKFLOWS_PAGE),
    },
    {
      name: `Workflows, ${FILTER.type} ${FILTER.status}`,
      calls: [
        `/api/workflows?type=${FILTER.type}&status=${FILTER.status}&pageSize=${WORKFLOWS_PAGE}`,
      ],
      raw: 'listWorkflowExecutions, same query',
      baseline: () => rawList(world, visibilityFilter, WORKFLOWS_PAGE),
    },
    {
      name: 'Workflows, page 2',
      calls: [`${workflowsCall}&page=${first.next}`],
      raw: 'listWorkflowExecutions, its page 2',
      baseline: () => rawList(world, '', WORKFLOWS_PAGE, rawToken),
    },
    {
      name: 'Workflow detail, running',
      calls: [`/api/workflows/${encodeURIComponent(runningId)}`],
      raw: 'describe + history',
      baseline: () => rawDetail(world, runningId),
    },
    {
      name: 'Workflow detail, terminated',
      calls: [`/api/workflows/${encodeURIComponent(terminatedId)}`],
      raw: 'describe + history',
      baseline: () => rawDetail(world, terminatedId),
    },
    {
      name: 'Schedules',
      calls: [`/api/schedules?pageSize=${SCHEDULES_PAGE}`],
      raw: `listSchedules of ${SCHEDULES_PAGE}`,
      baseline: () =>
        world.temporal.workflowService.listSchedules({
          namespace: world.namespace,
          maximumPageSize: SCHEDULES_PAGE,
        }),
    },
    {
      name: 'Datasets',
      calls: [`/api/datasets?pageSize=${DATASETS_PAGE}`],
      raw: 'pg, same rows',
      baseline: () =>
        connection(world, 0).query(DATASETS_SQL, [
          'hindsight.datasets',
          DATASET_GENERATED,
          DATASETS_PAGE + 1,
        ]),
    },
    {
      name: 'Models',
      calls: [`/api/models?pageSize=${MODELS_PAGE}`],
      raw: `searchRegisteredModels of ${MODELS_PAGE}`,
      baseline: () => world.mlflow.searchRegisteredModels({ maxResults: MODELS_PAGE }),
    },
    {
      name: `Model ${MODEL}`,
      calls: [`/api/models/${MODEL}`],
      raw: 'get model + versions + pg streams',
      baseline: () =>
        Promise.all([
          world.mlflow.getRegisteredModel(MODEL),
          world.mlflow.searchModelVersions({
            filter: `name = '${MODEL}'`,
            orderBy: ['version_number DESC'],
            maxResults: 50,
          }),
          connection(world, 0).query(
            `select * from hindsight.events where stream_id = $1
              order by stream_version desc limit 500`,
            [modelStreamOf(MODEL)],
          ),
          connection(world, 1).query(
            `select * from hindsight.events where stream_id = $1
              order by stream_version desc limit 1000`,
            [evaluationStreamOf(MODEL)],
          ),
        ]),
    },
    {
      name: 'Event store',
      calls: [
        `/api/events/categories?pageSize=${EVENTS_PAGE}`,
        `/api/events/recent?pageSize=${EVENTS_PAGE}`,
        '/api/events/subscriptions',
      ],
      raw: 'pg, the 3 queries at once',
      baseline: () =>
        Promise.all([
          connection(world, 0).query(CATEGORIES_SQL, [EVENTS_PAGE + 1]),
          connection(world, 1).query(RECENT_SQL, [EVENTS_PAGE + 1]),
          connection(world, 2).query(SUBSCRIPTIONS_SQL),
        ]),
    },
    {
      name: `Streams of ${CATEGORY}`,
      calls: [`/api/events/streams?category=${CATEGORY}&pageSize=${STREAMS_PAGE}`],
      raw: 'pg keyset, same rows',
      baseline: () =>
        connection(world, 0).query(
          `select stream_id, category, version, archived, created_at, updated_at
             from hindsight.streams where category = $1 order by category, stream_id limit $2`,
          [CATEGORY, STREAMS_PAGE + 1],
        ),
    },
    {
      name: `Stream ${stream}`,
      calls: [`/api/events/streams/${encodeURIComponent(stream)}?limit=${STREAM_EVENTS}`],
      raw: 'pg, stream row + newest events',
      baseline: () =>
        Promise.all([
          connection(world, 0).query('select * from hindsight.streams where stream_id = $1', [
            stream,
          ]),
          connection(world, 1).query(
            `select * from hindsight.events where stream_id = $1
              order by stream_version desc limit $2`,
            [stream, STREAM_EVENTS],
          ),
        ]),
    },
  ];
};

interface PageResult {
  spec: PageSpec;
  console: Stats;
  baseline: Stats;
}

/** Warm once, then `LOADS` loads alternating with the baseline; prints each call's median. */
const measurePage = async (url: string, spec: PageSpec): Promise<PageResult> => {
  const load = () => Promise.all(spec.calls.map((call) => fetchJson(url, call)));
  const warmStart = performance.now();
  const warm = await load();
  const warmMs = performance.now() - warmStart;
  await spec.baseline();
  const totals: number[] = [];
  const perCall: number[][] = spec.calls.map(() => []);
  const baseline: number[] = [];
  const loads = warmMs > SLOW_MS ? SLOW_LOADS : LOADS;
  if (loads < LOADS) {
    console.log(`  ${spec.name}: the warm-up load took ${ms(warmMs)}: ${loads} loads only`);
  }
  for (let round = 0; round < loads; round++) {
    const start = performance.now();
    const calls = await load();
    totals.push(performance.now() - start);
    calls.forEach((call, i) => perCall[i]?.push(call.ms));
    baseline.push(await timed(() => spec.baseline()));
  }
  const result = { spec, console: statsOf(totals), baseline: statsOf(baseline) };
  console.log(
    `  ${spec.name}: p50 ${ms(result.console.p50)}, p95 ${ms(result.console.p95)}; ` +
      `raw (${spec.raw}): p50 ${ms(result.baseline.p50)}, p95 ${ms(result.baseline.p95)}`,
  );
  if (spec.calls.length > 1 || spec.calls[0]?.startsWith('/api/overview')) {
    spec.calls.forEach((call, i) =>
      console.log(
        `    ${call}: p50 ${ms(statsOf(perCall[i] ?? []).p50)}, ` +
          `${((warm[i]?.bytes ?? 0) / 1024).toFixed(1)} kB`,
      ),
    );
  } else {
    console.log(`    ${spec.calls[0]}: ${((warm[0]?.bytes ?? 0) / 1024).toFixed(1)} kB`);
  }
  return result;
};

/** Each raw part of the overview alone, to tell which one its time goes to. */
const printOverviewParts = async (world: ConsoleWorld): Promise<void> => {
  const parts: string[] = [];
  for (const [name, part] of Object.entries(overviewParts(world))) {
    await part();
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await timed(part));
    parts.push(`${name} ${ms(statsOf(samples).p50)}`);
  }
  console.log(`    the overview's raw parts alone, p50 of 5: ${parts.join(', ')}`);
};

/** Whether the console's newest events and datasets are the log's newest: printed. */
const printNewestCheck = async (world: ConsoleWorld): Promise<void> => {
  const check = async (
    what: string,
    positions: number[],
    sql: string,
    params: unknown[],
  ): Promise<void> => {
    const { rows } = await connection(world, 0).query<{ global_position: string }>(sql, params);
    const newest = rows.map((row) => Number(row.global_position));
    const among = positions.filter((p) => newest.includes(p)).length;
    console.log(
      `  ${what}: ${among} of its ${positions.length} are among the newest ${newest.length} ` +
        `(by tx_id, global_position); its first at position ${positions[0]}, the newest at ` +
        `${newest[0]}`,
    );
  };
  const recent = await getJson<Page<EventView>>(
    world.url,
    `/api/events/recent?pageSize=${EVENTS_PAGE}`,
  );
  await check(
    '/api/events/recent',
    recent.items.map((e) => e.globalPosition),
    RECENT_SQL,
    [EVENTS_PAGE],
  );
  const datasets = await getJson<Page<DatasetView>>(
    world.url,
    `/api/datasets?pageSize=${DATASETS_PAGE}`,
  );
  await check(
    '/api/datasets',
    datasets.items.map((d) => d.position),
    DATASETS_SQL,
    ['hindsight.datasets', DATASET_GENERATED, DATASETS_PAGE],
  );
};

const BROWSER_PAGES: (BrowserPage & { json: string[] })[] = [
  {
    name: 'Overview',
    hash: '#/',
    selector: '[data-testid="component-postgres"]',
    json: ['/api/overview'],
  },
  {
    name: 'Workflows',
    hash: '#/workflows',
    selector: '[data-testid="workflow-row"]',
    json: [`/api/workflows?pageSize=${WORKFLOWS_PAGE}`],
  },
  {
    name: 'Event store',
    hash: '#/events',
    selector: '[data-testid="event-row"]',
    json: [
      `/api/events/categories?pageSize=${EVENTS_PAGE}`,
      `/api/events/recent?pageSize=${EVENTS_PAGE}`,
      '/api/events/subscriptions',
    ],
  },
];

const measureBrowser = async (world: ConsoleWorld): Promise<Figure[]> => {
  const browser = await openBrowser(world.url);
  if (!browser) return [];
  const figures: Figure[] = [];
  try {
    for (const page of BROWSER_PAGES) {
      const json = () => Promise.all(page.json.map((call) => fetchJson(world.url, call)));
      await browser.load(page);
      await json();
      const loads: number[] = [];
      const calls: number[] = [];
      for (let i = 0; i < BROWSER_LOADS; i++) {
        loads.push(await browser.load(page));
        calls.push(await timed(json));
      }
      const load = statsOf(loads);
      const call = statsOf(calls);
      console.log(
        `  browser ${page.hash} until ${page.selector}: p50 ${ms(load.p50)}, ` +
          `max ${ms(load.p95)}; its JSON alone: p50 ${ms(call.p50)}`,
      );
      figures.push(
        figure(
          `(k) browser ${page.name} (${page.hash}) p50 (baseline: its JSON calls)`,
          'ms',
          load.p50,
          call.p50,
          valueAtMost(PAGE_TARGET_MS, 'ms'),
        ),
      );
    }
  } finally {
    await browser.close();
  }
  return figures;
};

const label = (size: number): string =>
  size >= 1e6 ? `${size / 1e6}M` : size >= 1e3 ? `${size / 1e3}k` : String(size);

export const measureConsolePages = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(k) console page loads with ${label(EVENTS)} events and ${label(WORKFLOWS)} workflows: ` +
      `each page's JSON calls at once, ${LOADS} loads after a warm-up, alternating with the ` +
      'raw calls that answer the same; then Chromium on 3 pages',
  );
  const setUp = performance.now();
  const world = await setUpConsoleWorld(env, { events: EVENTS, workflows: WORKFLOWS });
  console.log(`  setup: ${((performance.now() - setUp) / 1000).toFixed(1)}s in all`);
  try {
    const results: PageResult[] = [];
    for (const spec of await pagesOf(world)) {
      results.push(await measurePage(world.url, spec));
      if (spec.name === 'Overview') await printOverviewParts(world);
    }
    await printNewestCheck(world);
    const figures = results.flatMap(({ spec, console: c, baseline: b }) => [
      figure(`(k) console ${spec.name} p50 (baseline: ${spec.raw})`, 'ms', c.p50, b.p50),
      figure(
        `(k) console ${spec.name} p95 (baseline: ${spec.raw})`,
        'ms',
        c.p95,
        b.p95,
        valueAtMost(PAGE_TARGET_MS, 'ms'),
      ),
    ]);
    figures.push(...(await measureBrowser(world)));
    return figures;
  } finally {
    await world.close();
  }
};
