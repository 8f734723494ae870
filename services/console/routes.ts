// The console's route table: method, path pattern, whether it answers without the token, and the
// handler. With a token set, every other route needs it; POST routes change something.
import type { Meta } from './api.js';
import type { ConsoleDeps } from './deps.js';
import { getDataset, listDatasets } from './datasets.js';
import {
  listCategories,
  listStreams,
  listSubscriptions,
  readStreamEvents,
  recentEvents,
} from './eventStoreViews.js';
import { badRequest } from './httpError.js';
import { getModel, listModels } from './models.js';
import { overview } from './overview.js';
import { listQuarantinedEvents } from './quarantine.js';
import { bodyText, type Query } from './params.js';
import { actOnSchedule, listScheduleViews } from './schedules.js';
import { getWorkflow, listWorkflows, reviewPromotion } from './workflows.js';

export interface RouteContext {
  params: string[];
  query: Query;
  body: Record<string, unknown>;
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Answers without the token (health, and what the page needs to ask for one). */
  open?: boolean;
  /** The query parameters it reads; any other is refused (400), never silently ignored. */
  query: readonly string[];
  handle(deps: ConsoleDeps, context: RouteContext): Promise<unknown>;
}

const onlyFields = (body: Record<string, unknown>, allowed: string[]): void => {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw badRequest(key, `is not a field of this request (${allowed.join(', ')})`);
    }
  }
};

const review =
  (decision: 'approve' | 'reject') =>
  (deps: ConsoleDeps, { params, body }: RouteContext) => {
    onlyFields(body, ['reviewer', 'reason']);
    const reviewer = bodyText(body, 'reviewer', { max: 200 }) ?? '';
    const reason = bodyText(body, 'reason', { max: 2000 }) ?? '';
    return reviewPromotion(deps, params[0] ?? '', decision, { reviewer, reason });
  };

const scheduleAction =
  (action: 'pause' | 'unpause' | 'trigger') =>
  (deps: ConsoleDeps, { params, body }: RouteContext) =>
    actOnSchedule(deps, params[0] ?? '', action, body);

const get = (
  pattern: RegExp,
  handle: Route['handle'],
  options: { open?: boolean; query?: readonly string[] } = {},
): Route => ({ method: 'GET', pattern, handle, query: [], ...options });

const post = (pattern: RegExp, handle: Route['handle']): Route => ({
  method: 'POST',
  pattern,
  handle,
  query: [],
});

/** A list's paging parameters. */
const PAGED = ['pageSize', 'page'] as const;

/** Refuses a query parameter the route does not read, naming those it does. */
export const checkQueryNames = (route: Route, query: Query): void => {
  for (const name of new Set(query.keys())) {
    if (route.query.includes(name)) continue;
    throw badRequest(
      name,
      route.query.length === 0
        ? 'is not a parameter of this route, which takes none'
        : `is not a parameter of this route; it takes ${route.query.join(', ')}`,
    );
  }
};

export const createRoutes = (meta: Meta): Route[] => [
  get(/^\/api\/health$/, () => Promise.resolve({ ok: true }), { open: true }),
  get(/^\/api\/meta$/, () => Promise.resolve(meta), { open: true }),
  get(/^\/api\/overview$/, (deps) => overview(deps)),
  get(/^\/api\/workflows$/, (deps, { query }) => listWorkflows(deps, query), {
    query: ['type', 'status', 'stage', 'view', ...PAGED],
  }),
  get(
    /^\/api\/workflows\/([^/]+)$/,
    (deps, { params, query }) => getWorkflow(deps, params[0] ?? '', query),
    { query: ['runId'] },
  ),
  post(/^\/api\/workflows\/([^/]+)\/approve$/, review('approve')),
  post(/^\/api\/workflows\/([^/]+)\/reject$/, review('reject')),
  get(/^\/api\/schedules$/, (deps, { query }) => listScheduleViews(deps, query), {
    query: PAGED,
  }),
  post(/^\/api\/schedules\/([^/]+)\/pause$/, scheduleAction('pause')),
  post(/^\/api\/schedules\/([^/]+)\/unpause$/, scheduleAction('unpause')),
  post(/^\/api\/schedules\/([^/]+)\/trigger$/, scheduleAction('trigger')),
  get(/^\/api\/datasets$/, (deps, { query }) => listDatasets(deps, query), {
    query: ['view', ...PAGED],
  }),
  get(/^\/api\/datasets\/([^/]+)$/, (deps, { params }) => getDataset(deps, params[0] ?? '')),
  get(/^\/api\/models$/, (deps, { query }) => listModels(deps, query), { query: PAGED }),
  get(/^\/api\/models\/([^/]+)$/, (deps, { params }) => getModel(deps, params[0] ?? '')),
  get(/^\/api\/events\/categories$/, (deps, { query }) => listCategories(deps, query), {
    query: PAGED,
  }),
  get(/^\/api\/events\/streams$/, (deps, { query }) => listStreams(deps, query), {
    query: ['category', ...PAGED],
  }),
  get(
    /^\/api\/events\/streams\/([^/]+)$/,
    (deps, { params, query }) => readStreamEvents(deps, params[0] ?? '', query),
    { query: ['limit', 'from'] },
  ),
  get(/^\/api\/events\/recent$/, (deps, { query }) => recentEvents(deps, query), {
    query: ['category', 'type', ...PAGED],
  }),
  get(/^\/api\/events\/subscriptions$/, (deps) => listSubscriptions(deps)),
  get(/^\/api\/events\/quarantine$/, (deps, { query }) => listQuarantinedEvents(deps, query), {
    query: ['view', 'limit'],
  }),
];
