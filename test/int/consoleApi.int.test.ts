// The console's JSON API on the real stack: a pipeline run shows in the workflow list and its
// detail (stages, pending promotion); approving over HTTP promotes, and needs the token; the
// model, dataset and event-store routes show what the run wrote; schedules pause, unpause and
// trigger. Bad input on every route, fuzzed, gets a 4xx JSON error — never a 500 — and writes
// nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import type {
  ApiError,
  DatasetDetail,
  EventView,
  ModelDetail,
  Overview,
  Page,
  ScheduleView,
  StreamEvents,
  StreamView,
  CategoryView,
  QuarantinedEvents,
  Subscriptions,
  WorkflowDetail,
  WorkflowSummary,
  DatasetView,
  ModelListItem,
} from '../../services/console/api.js';
import { createPipelineSchedules } from '../../services/schedules/index.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { VIEW_ATTRIBUTE } from '../../workflows/searchAttributeKeys.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';
import { sleep } from '../support/wait.js';

const TOKEN = 'console-test-token-0123456789';
const VIEW = 'work_order_overrun';
const suffix = Date.now().toString(36);
const modelName = `console-${suffix}`;
const pipelineId = `pipeline-console-${suffix}`;

let db: TestDatabase;
let temporal: TestTemporal;
let web: TestConsole;

const ok = async <T>(path: string, options?: Parameters<TestConsole['call']>[1]): Promise<T> => {
  const response = await web.call(path, options);
  if (response.status !== 200) {
    throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as T;
};

const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const detailOf = (id: string) => ok<WorkflowDetail>(`/api/workflows/${encodeURIComponent(id)}`);

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const { streamId, event } of generateDemoEvents({ seed: 11, workOrders: 300 })) {
    await db.store.append(streamId, [event]);
  }
  web = await startTestConsole(db, temporal, { apiToken: TOKEN });
  await temporal.client.workflow.start<typeof RetrainingPipeline>(
    WORKFLOW_TYPES.RetrainingPipeline,
    {
      taskQueue: temporal.taskQueue,
      workflowId: pipelineId,
      args: [{ view: VIEW, modelName, approval: 'required' }],
      typedSearchAttributes: [{ key: VIEW_ATTRIBUTE, value: VIEW }],
    },
  );
}, 180_000);

afterAll(async () => {
  await web.close();
  await temporal.close();
  await db.drop();
});

describe('console API: a pipeline from start to champion', () => {
  it('answers health and meta without the token, and everything else only with it', async () => {
    expect((await web.call('/api/health', { token: null })).status).toBe(200);
    const meta = await web.call('/api/meta', { token: null });
    expect(meta.body).toMatchObject({
      tokenRequired: true,
      links: { temporalNamespace: 'default' },
    });
    for (const [token, reason] of [
      [null, 'TOKEN_MISSING'],
      ['wrong-token-0123456789', 'TOKEN_INVALID'],
    ] as const) {
      const refused = await web.call('/api/overview', { token });
      expect(refused.status).toBe(401);
      expect((refused.body as ApiError).error).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    }
  });

  it('lists the pipeline, filters and pages the list', async () => {
    const listed = await until('the pipeline in visibility', async () => {
      const page = await ok<Page<WorkflowSummary>>('/api/workflows?type=RetrainingPipeline');
      return page.items.find((w) => w.workflowId === pipelineId);
    });
    expect(listed).toMatchObject({ type: 'RetrainingPipeline', view: VIEW, status: 'RUNNING' });
    expect(listed.temporalUrl).toContain(encodeURIComponent(pipelineId));
    const byView = await ok<Page<WorkflowSummary>>(`/api/workflows?view=${VIEW}`);
    expect(byView.items.every((w) => w.view === VIEW)).toBe(true);
    const none = await ok<Page<WorkflowSummary>>('/api/workflows?type=SnapshotWorkflow');
    expect(none.items.find((w) => w.workflowId === pipelineId)).toBeUndefined();

    // The pipeline's children make more than one run: pages of one follow each other.
    await until('two workflows', async () => {
      const page = await ok<Page<WorkflowSummary>>('/api/workflows?pageSize=2');
      return page.items.length === 2 ? true : undefined;
    });
    const first = await ok<Page<WorkflowSummary>>('/api/workflows?pageSize=1');
    expect(first.items).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await ok<Page<WorkflowSummary>>(`/api/workflows?pageSize=1&page=${first.next}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.runId).not.toBe(first.items[0]?.runId);
  }, 180_000);

  it('shows the stages as they run and the promotion awaiting a reviewer', async () => {
    const pending = await until('the promotion to await approval', async () => {
      const detail = await detailOf(pipelineId);
      return detail.pendingPromotion ? detail : undefined;
    });
    expect(pending.status).toBe('RUNNING');
    expect(pending.stage).toBe('promoting');
    expect(pending.pendingPromotion?.promotionWorkflowId).toBe(`${pipelineId}/promotion`);
    expect(pending.pendingPromotion?.details).toMatchObject({ stage: 'awaiting_approval' });
    expect(pending.input).toMatchObject({ view: VIEW, modelName, approval: 'required' });
    const names = pending.timeline.map((entry) => entry.name);
    expect(names).toContain('DatasetWorkflow');
    expect(names).toContain('PromotionWorkflow');
    expect(pending.timeline.find((e) => e.name === 'DatasetWorkflow')?.status).toBe('completed');
    expect(pending.timeline.find((e) => e.name === 'PromotionWorkflow')?.status).toBe('running');
    expect(pending.children.map((c) => c.type)).toContain('DatasetWorkflow');
    expect(pending.percent).toBeGreaterThan(0);

    // The child's detail names its parent.
    const dataset = pending.children.find((c) => c.type === 'DatasetWorkflow');
    const child = await detailOf(dataset?.workflowId ?? '');
    expect(child.parent?.workflowId).toBe(pipelineId);
    expect(child.status).toBe('COMPLETED');
    expect(child.timeline.some((e) => e.kind === 'activity' && e.status === 'completed')).toBe(
      true,
    );
  }, 180_000);

  it('refuses an approval without the token or with a bad body, and changes nothing', async () => {
    const path = `/api/workflows/${encodeURIComponent(pipelineId)}/approve`;
    const before = await db.snapshot();
    const noToken = await web.call(path, { body: { reviewer: 'ada', reason: 'ok' }, token: null });
    expect(noToken.status).toBe(401);
    const cases: [Parameters<TestConsole['call']>[1], number, string][] = [
      [{ body: { reviewer: 'ada' } }, 400, 'reason'],
      [{ body: { reviewer: 3, reason: 'x' } }, 400, 'reviewer'],
      [{ body: { reviewer: 'ada', reason: 'ok', extra: true } }, 400, 'extra'],
      [{ rawBody: '{"reviewer":' }, 400, 'not JSON'],
      [{ rawBody: '[1,2]' }, 400, 'JSON object'],
      [{ body: { reviewer: ' ', reason: 'ok' } }, 400, 'reviewer'],
      [{ body: { reviewer: 'ada', reason: 'x'.repeat(2001) } }, 400, 'reason'],
    ];
    for (const [options, status, text] of cases) {
      const refused = await web.call(path, options);
      expect(refused.status, JSON.stringify(options)).toBe(status);
      expect(JSON.stringify(refused.body)).toContain(text);
    }
    const wrongType = await fetch(`${web.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ reviewer: 'ada', reason: 'ok' }),
    });
    expect(wrongType.status).toBe(415);
    expect(await db.snapshot()).toBe(before);
    expect((await detailOf(pipelineId)).pendingPromotion).not.toBeNull();
  });

  it('approves over HTTP: the challenger becomes the champion', async () => {
    const approved = await web.call(`/api/workflows/${encodeURIComponent(pipelineId)}/approve`, {
      body: { reviewer: 'ada', reason: 'looks right' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ promotion: { reviewer: 'ada' } });
    const done = await until('the pipeline to complete', async () => {
      const detail = await detailOf(pipelineId);
      return detail.status === 'COMPLETED' ? detail : undefined;
    });
    expect(done.pendingPromotion).toBeNull();
    expect(done.result).toMatchObject({ promotion: { outcome: 'promoted' } });
    const again = await web.call(`/api/workflows/${encodeURIComponent(pipelineId)}/reject`, {
      body: { reviewer: 'bob', reason: 'too late' },
    });
    expect(again.status).toBe(409);
    expect((again.body as ApiError).error.message).toContain('no promotion awaiting approval');
  }, 180_000);

  it('shows the model with its champion, metrics and alias history', async () => {
    const model = await ok<ModelDetail>(`/api/models/${modelName}`);
    expect(model.championVersion).toBe('1');
    expect(model.versions[0]).toMatchObject({ version: '1', aliases: ['champion'], view: VIEW });
    expect(model.versions[0]?.metrics.val_roc_auc).toBeGreaterThan(0.7);
    expect(model.aliasHistory).toHaveLength(1);
    expect(model.aliasHistory[0]).toMatchObject({
      outcome: 'promoted',
      toVersion: '1',
      reviewer: 'ada',
      pipelineId,
    });
    expect(model.live).toEqual([]);
    expect(model.calibration).toBeNull();
    const listed = await ok<Page<ModelListItem>>('/api/models?pageSize=200');
    expect(listed.items.find((m) => m.name === modelName)?.championVersion).toBe('1');

    const overview = await ok<Overview>('/api/overview');
    expect(overview.components.map((c) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['temporal', true],
      ['mlflow', true],
      ['worker', true],
    ]);
    expect(overview.champions.find((c) => c.model === modelName)?.version).toBe('1');
    expect(overview.components.every((c) => c.affects.length === 0)).toBe(true);
    expect(overview.events?.head).toBeGreaterThan(0);
    expect(overview.events?.perMinute).toHaveLength(60);
    expect(overview.events?.perMinute.reduce((sum, p) => sum + p.events, 0)).toBeGreaterThan(0);
    expect(overview.workflows.length).toBeGreaterThan(0);
  });

  it('shows the dataset and its lineage to the model', async () => {
    const page = await ok<Page<DatasetView>>(`/api/datasets?view=${VIEW}`);
    expect(page.items).toHaveLength(1);
    const dataset = page.items[0];
    expect(dataset?.digest).toMatch(/^[0-9a-f]{64}$/);
    const detail = await ok<DatasetDetail>(`/api/datasets/${dataset?.digest ?? ''}`);
    expect(detail.models).toEqual([
      expect.objectContaining({ model: modelName, version: '1', aliases: ['champion'] }),
    ]);
    expect(detail.manifest).toMatchObject({ digest: dataset?.digest, rows: dataset?.rows });
    const unknown = await web.call(`/api/datasets/${'0'.repeat(64)}`);
    expect(unknown.status).toBe(404);
  });

  it('browses the event store: categories, streams, a stream, recent events, subscriptions', async () => {
    const categories = await ok<Page<CategoryView>>('/api/events/categories?pageSize=2');
    expect(categories.items).toHaveLength(2);
    const rest = await ok<Page<CategoryView>>(`/api/events/categories?page=${categories.next}`);
    const all = [...categories.items, ...rest.items].map((c) => c.category);
    expect(all).toContain('workorder');
    expect(all).toContain('hindsight.datasets');
    expect([...all].sort()).toEqual(all);

    const streams = await ok<Page<StreamView>>('/api/events/streams?category=workorder&pageSize=5');
    expect(streams.items).toHaveLength(5);
    const next = await ok<Page<StreamView>>(
      `/api/events/streams?category=workorder&pageSize=5&page=${streams.next}`,
    );
    expect((next.items[0]?.streamId ?? '') > (streams.items[4]?.streamId ?? '')).toBe(true);

    const streamId = streams.items[0]?.streamId ?? '';
    const stream = await ok<StreamEvents>(
      `/api/events/streams/${encodeURIComponent(streamId)}?from=1&limit=2`,
    );
    expect(stream.events.map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(stream.next).toBe(3);
    const { events } = await db.store.readStream(streamId, { limit: 2 });
    expect(stream.events.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));

    const recent = await ok<Page<EventView>>('/api/events/recent?pageSize=3');
    const older = await ok<Page<EventView>>(`/api/events/recent?pageSize=3&page=${recent.next}`);
    const positions = [...recent.items, ...older.items].map((e) => e.globalPosition);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    const datasets = await ok<Page<EventView>>('/api/events/recent?type=DatasetGenerated');
    expect(datasets.items.map((e) => e.type)).toEqual(['DatasetGenerated']);

    // A checkpoint saved where the server said the subscriber caught up: (cut, global position
    // 0), which the log's head minus 0 took for the whole log behind.
    const caughtUp = await db.store.cut();
    await db.store.saveCheckpoint('console-test', {
      transactionId: caughtUp.transactionId,
      globalPosition: 0,
    });
    const lagOf = async (name: string) =>
      (await ok<Subscriptions>('/api/events/subscriptions')).items.find((s) => s.name === name);
    expect(await lagOf('console-test')).toMatchObject({ lag: 0, lagCapped: false });
    await db.store.append('console-lag', [
      { type: 'Tick', data: {} },
      { type: 'Tick', data: {} },
      { type: 'Tick', data: {} },
    ]);
    expect(await lagOf('console-test')).toMatchObject({ lag: 3, lagCapped: false });
    // One saved at an event's position: the events after it in the log's order.
    const { rows } = await db.pool.query<{ tx: string; gp: string; after: string }>(
      `select e.tx_id::text as tx, e.global_position as gp,
              (select count(*) from hindsight.events l
                where (l.tx_id, l.global_position) > (e.tx_id, e.global_position)) as after
         from hindsight.events e order by e.tx_id, e.global_position offset 4 limit 1`,
    );
    const fifth = rows[0];
    await db.store.saveCheckpoint('console-fifth', {
      transactionId: Number(fifth?.tx),
      globalPosition: Number(fifth?.gp),
    });
    expect(await lagOf('console-fifth')).toMatchObject({ lag: Number(fifth?.after) });

    const [event] = (await db.store.readStream('workorder-WO-010001', { limit: 1 })).events;
    await db.store.quarantine.record(
      { view: 'console_view', codeHash: 'code', upcastersHash: 'upcasters' },
      [
        {
          eventId: event?.eventId ?? '',
          streamId: 'workorder-WO-010001',
          type: event?.type ?? '',
          schemaVersion: 1,
          position: { transactionId: event?.transactionId ?? 0, globalPosition: 1 },
          stage: 'apply',
          reason: 'the reducer threw',
        },
      ],
    );
    const quarantined = await ok<QuarantinedEvents>('/api/events/quarantine?view=console_view');
    expect(quarantined.items).toEqual([
      expect.objectContaining({
        view: 'console_view',
        streamId: 'workorder-WO-010001',
        stage: 'apply',
        reason: 'the reducer threw',
      }),
    ]);
    expect((await ok<QuarantinedEvents>('/api/events/quarantine?view=other_view')).items).toEqual(
      [],
    );
  });

  it('shows a running workflow whose worker is away at once, without its progress', async () => {
    const id = `pipeline-orphan-${suffix}`;
    const handle = await temporal.client.workflow.start<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue: `nobody-polls-${suffix}`,
        workflowId: id,
        args: [{ view: VIEW, modelName }],
      },
    );
    const started = Date.now();
    const detail = await detailOf(id);
    // Temporal would answer the progress query only after 30 s without a worker.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(detail).toMatchObject({ status: 'RUNNING', progress: null, pendingPromotion: null });
    await handle.terminate('test done');
  });

  it('pauses, unpauses and triggers a schedule', async () => {
    const schedules = createPipelineSchedules(temporal.client.schedule, {
      taskQueue: temporal.taskQueue,
    });
    const id = `console-${suffix}`;
    await schedules.create({
      id,
      input: { view: VIEW, modelName: `${modelName}-scheduled` },
      spec: { every: '1 day' },
    });
    const listed = await until('the schedule in the list', async () => {
      const page = await ok<Page<ScheduleView>>('/api/schedules');
      return page.items.find((s) => s.id === id);
    });
    expect(listed).toMatchObject({
      workflowType: 'RetrainingPipeline',
      subject: VIEW,
      paused: false,
    });
    const path = (action: string) => `/api/schedules/${id}/${action}`;
    expect((await web.call(path('pause'), { body: {}, token: null })).status).toBe(401);
    expect((await web.call(path('pause'), { body: { note: 7 } })).status).toBe(400);
    const paused = await ok<ScheduleView>(path('pause'), { body: { note: 'maintenance' } });
    expect(paused).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await ok<ScheduleView>(path('unpause'), { body: {} })).paused).toBe(false);
    await ok<ScheduleView>(path('trigger'), { body: {} });
    const triggered = await until('the triggered run', async () => {
      const page = await ok<Page<ScheduleView>>('/api/schedules');
      const schedule = page.items.find((s) => s.id === id);
      return schedule && schedule.actionsTaken > 0 ? schedule : undefined;
    });
    const run = triggered.recentActions[0]?.workflowId ?? '';
    await temporal.client.workflow.getHandle(run).terminate('test done');
    await schedules.delete(id);
    const unknown = await web.call('/api/schedules/no-such-schedule/pause', { body: {} });
    expect(unknown.status).toBe(404);
  }, 180_000);
});

// Bad input, generated: odd path segments, query values and bodies on every route. Each answer
// is a JSON error with a 4xx status (or a 200 for input that happens to be fine); none is a 500.
describe('console API: bad input never gets a 500 and writes nothing', () => {
  const NASTY = [
    '',
    ' ',
    '%',
    '%E0%A4%A',
    '%00',
    '..%2F..%2Fetc%2Fpasswd',
    'x'.repeat(5000),
    '-1',
    '0',
    '1e9',
    '99999999999999999999',
    'null',
    '[]',
    '{}',
    "'; drop table hindsight.events; --",
    '🦄',
    'RUNNING',
    'AAAA',
    '%FF%FE',
    'a/b',
  ];
  const GET_ROUTES = [
    '/api/workflows/{}',
    '/api/datasets/{}',
    '/api/models/{}',
    '/api/events/streams/{}',
    '/api/workflows?type={}',
    '/api/workflows?status={}',
    '/api/workflows?stage={}&view={}',
    '/api/workflows?pageSize={}',
    '/api/workflows?page={}',
    '/api/schedules?page={}&pageSize={}',
    '/api/datasets?view={}&page={}',
    '/api/models?page={}',
    '/api/events/categories?page={}',
    '/api/events/streams?category={}&page={}',
    '/api/events/streams/workorder-WO-010001?from={}&limit={}',
    '/api/events/recent?type={}&category={}&page={}',
    '/api/events/quarantine?view={}&limit={}',
    '/api/nope/{}',
  ];
  const POST_ROUTES = [
    '/api/workflows/{}/approve',
    '/api/workflows/{}/reject',
    '/api/schedules/{}/pause',
    '/api/schedules/{}/unpause',
    '/api/schedules/{}/trigger',
  ];
  const BODIES: (string | undefined)[] = [
    undefined,
    '',
    'not json',
    '[]',
    '"text"',
    '42',
    '{"reviewer":1,"reason":2}',
    '{"note":{}}',
    `{"reviewer":"${'r'.repeat(300)}","reason":"x"}`,
    JSON.stringify({ note: 'n'.repeat(70_000) }),
  ];

  const expectClientError = (path: string, response: { status: number; body: unknown }) => {
    expect(
      response.status,
      `${path} → ${JSON.stringify(response.body).slice(0, 300)}`,
    ).toBeLessThan(500);
    if (response.status >= 400) {
      expect((response.body as ApiError).error.code, path).toMatch(/^[A-Z_]+$/);
      expect((response.body as ApiError).error.reason, path).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect((response.body as ApiError).error.message.length, path).toBeGreaterThan(0);
    }
  };

  it('on every GET route', async () => {
    const before = await db.snapshot();
    for (const route of GET_ROUTES) {
      for (const value of NASTY) {
        const path = route.replaceAll(
          '{}',
          route.includes('?') ? encodeURIComponent(value) : value,
        );
        expectClientError(path, await web.call(path));
      }
    }
    expect(web.internalErrors).toEqual([]);
    expect(await db.snapshot()).toBe(before);
  }, 180_000);

  it('names the parameters a route takes when given one it does not', async () => {
    const before = await db.snapshot();
    const list = await web.call('/api/datasets?limit=5');
    expect(list.status).toBe(400);
    expect(list.body).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        reason: 'INVALID_ARGUMENT',
        field: 'limit',
        message: 'limit: is not a parameter of this route; it takes view, pageSize, page',
      },
    });
    const none = await web.call('/api/overview?verbose=1');
    expect(none.status).toBe(400);
    expect((none.body as ApiError).error.message).toBe(
      'verbose: is not a parameter of this route, which takes none',
    );
    // The parameters a route does take still work, each of them.
    expect((await web.call('/api/events/recent?type=DatasetGenerated&pageSize=1')).status).toBe(
      200,
    );
    expect(await db.snapshot()).toBe(before);
  });

  it('on every POST route, and with the wrong method', async () => {
    const before = await db.snapshot();
    for (const route of POST_ROUTES) {
      for (const value of [...NASTY.slice(0, 8), pipelineId, 'no-such-schedule']) {
        for (const rawBody of BODIES) {
          const path = route.replace('{}', encodeURIComponent(value));
          const response = await web.call(path, {
            method: 'POST',
            ...(rawBody === undefined ? {} : { rawBody }),
          });
          expectClientError(path, response);
          expect(response.status, path).not.toBe(200);
        }
      }
      const wrongMethod = await web.call(route.replace('{}', 'x'), { method: 'GET' });
      expect(wrongMethod.status).toBe(405);
    }
    expect((await web.call('/api/overview', { method: 'DELETE' })).status).toBe(405);
    expect((await web.call('/nothing-here')).status).toBe(404);
    expect(web.internalErrors).toEqual([]);
    expect(await db.snapshot()).toBe(before);
  }, 300_000);
});
