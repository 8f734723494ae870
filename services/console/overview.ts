// The overview: each component's health (checked with a short deadline, one failing never hides
// the others), the log's head and event rate, the newest workflows and each model's champion.
import { CHAMPION_ALIAS, MODEL_TAGS } from '../../platform/modelRegistry.js';
import type { ComponentHealth, Overview, RatePoint, WorkflowSummary, Champion } from './api.js';
import type { ConsoleDeps } from './deps.js';
import { reportMalformed } from '../../platform/skippedEvents.js';
import { readAliasHistory } from '../aliasHistory.js';
import { listWorkflows } from './workflows.js';
import { temporalWithin, withDeadline } from './deadline.js';
import { SERVICE_DEPENDENCIES, servicesNeeding } from '../health/index.js';

const HEALTH_DEADLINE_MS = 2000;
/** The rate chart reads at most this many of the newest events (an index range, bounded). */
export const RATE_EVENTS_READ = 200_000;
const CHAMPIONS_SHOWN = 20;

const ALL_SERVICES = Object.keys(SERVICE_DEPENDENCIES);

const check = async (
  name: ComponentHealth['name'],
  probe: () => Promise<string>,
): Promise<ComponentHealth> => {
  const started = performance.now();
  try {
    const detail = await withDeadline(probe(), HEALTH_DEADLINE_MS);
    const latencyMs = Math.round(performance.now() - started);
    return { name, ok: true, detail, latencyMs, affects: [] };
  } catch (error) {
    // The worker runs workflows; the server's services need PostgreSQL, Temporal and MLflow.
    const affects = name === 'worker' ? [] : servicesNeeding(name, ALL_SERVICES);
    return { name, ok: false, detail: (error as Error).message, latencyMs: null, affects };
  }
};

export const componentHealth = (deps: ConsoleDeps): Promise<ComponentHealth[]> =>
  Promise.all([
    check('postgres', async () => {
      const { rows } = await deps.sql.query<{ version: string }>('show server_version');
      return `PostgreSQL ${rows[0]?.version ?? ''}`.trim();
    }),
    check('temporal', async () => {
      const info = await temporalWithin(deps.temporal, HEALTH_DEADLINE_MS, () =>
        deps.temporal.workflowService.getSystemInfo({}),
      );
      return `Temporal ${info.serverVersion ?? ''}, namespace ${deps.namespace}`.trim();
    }),
    check('mlflow', async () => {
      await deps.mlflow.searchRegisteredModels({ maxResults: 1 });
      return `MLflow at ${deps.links.mlflowUi}`;
    }),
    check('worker', async () => {
      const response = await temporalWithin(deps.temporal, HEALTH_DEADLINE_MS, () =>
        deps.temporal.workflowService.describeTaskQueue({
          namespace: deps.namespace,
          taskQueue: { name: deps.taskQueue },
          taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
        }),
      );
      const pollers = response.pollers?.length ?? 0;
      if (pollers === 0) throw new Error(`no worker polls task queue '${deps.taskQueue}'`);
      return `${pollers} poller(s) on task queue '${deps.taskQueue}'`;
    }),
  ]);

const eventRate = async (deps: ConsoleDeps, head: number): Promise<Overview['events']> => {
  const now = Date.now();
  const firstMinute = Math.floor(now / 60_000) * 60_000 - 59 * 60_000;
  // One pass over the newest events (an index range, bounded): per minute, and the last 60 s.
  const rate = await deps.store.browse.recordingRate({
    after: head - RATE_EVENTS_READ,
    since: firstMinute,
  });
  const counts = new Map(rate.minutes.map((minute) => [minute.at, minute.events]));
  const perMinute: RatePoint[] = Array.from({ length: 60 }, (_, index) => {
    const at = firstMinute + index * 60_000;
    return { at, events: counts.get(at) ?? 0 };
  });
  const lastRecordedAt = head > 0 ? rate.lastRecordedAt : null;
  return { head, lastRecordedAt, perMinute, ratePerSecond: rate.lastMinute / 60 };
};

const champions = async (deps: ConsoleDeps): Promise<Champion[]> => {
  const { items } = await deps.mlflow.searchRegisteredModels({ maxResults: CHAMPIONS_SHOWN });
  return Promise.all(
    items.map(async (model): Promise<Champion> => {
      const version = model.aliases[CHAMPION_ALIAS] ?? null;
      if (version === null) return { model: model.name, version, since: null, rocAuc: null };
      const [details, history] = await Promise.all([
        deps.mlflow.getModelVersion({ name: model.name, version }),
        readAliasHistory(deps.store, model.name, 50),
      ]);
      reportMalformed(
        'console_overview',
        `overview, ${model.name}`,
        history.malformed,
        deps.onWarning,
      );
      const moved = history.changes.filter(
        (c) => c.outcome === 'promoted' && c.toVersion === version,
      );
      const auc = Number(details.tags[MODEL_TAGS.validationRocAuc]);
      return {
        model: model.name,
        version,
        since: moved.at(-1)?.at ?? details.creationTimestamp,
        rocAuc: Number.isFinite(auc) && details.tags[MODEL_TAGS.validationRocAuc] ? auc : null,
      };
    }),
  );
};

export const overview = async (deps: ConsoleDeps): Promise<Overview> => {
  const [components, events, workflows, championList] = await Promise.all([
    componentHealth(deps),
    // While PostgreSQL is down the page still says which services that affects.
    deps.store.browse.head().then(
      (head) => eventRate(deps, head),
      () => null,
    ),
    temporalWithin(deps.temporal, HEALTH_DEADLINE_MS, () =>
      listWorkflows(deps, new URLSearchParams({ pageSize: '8' })),
    ).then(
      (page) => page.items,
      () => [] as WorkflowSummary[],
    ),
    withDeadline(champions(deps), HEALTH_DEADLINE_MS).catch(() => [] as Champion[]),
  ]);
  return { components, events, workflows, champions: championList, links: deps.links };
};
