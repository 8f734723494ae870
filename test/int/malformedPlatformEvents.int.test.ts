// Platform events that do not fit their schema — written straight into the log, as an older
// server or a hand-made fix could — are skipped and reported by every reader of them: GetModel
// answers with the alias history of the good ones and logs a warning naming the bad ones; the
// console's model page lists them as left out; the overview still shows the champion.
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelStreamOf } from '../../platform/modelEvents.js';
import { evaluationStreamOf } from '../../platform/evaluationEvents.js';
import { datasetStreamOf } from '../../platform/datasetEvents.js';
import {
  ModelsClient,
  type GetModelRequest,
  type GetModelResponse,
} from '../../gen/hindsight/v1/models.js';
import { readAliasHistory } from '../../services/aliasHistory.js';
import type { DatasetView, ModelDetail, Overview, Page } from '../../services/console/api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';

const modelName = `malformed-${Date.now().toString(36)}`;

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let models: ModelsClient;
let web: TestConsole;
const warnings: string[] = [];

const promotion = (overrides: Record<string, unknown> = {}) => ({
  workflowId: `pipeline-${modelName}/promotion`,
  modelName,
  outcome: 'promoted',
  decidedBy: 'rules',
  challengerVersion: '1',
  championVersion: null,
  reviewer: null,
  reason: 'better',
  reasons: ['better'],
  datasetDigest: 'a'.repeat(64),
  challengerMetrics: {},
  championMetrics: null,
  ...overrides,
});

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.mlflow.getOrCreateRegisteredModel({ name: modelName });
  server = await startTestServer(db.store, {
    platform: platformServices(db, temporal, { onWarning: (message) => warnings.push(message) }),
  });
  models = new ModelsClient(server.address, credentials.createInsecure());
  web = await startTestConsole(db, temporal, { apiToken: 'console-token' });
  // The platform's own appends go through the store: here, as a broken writer would.
  await db.store.append(modelStreamOf(modelName), [
    { type: 'ModelPromoted', data: promotion() },
    { type: 'ModelPromoted', data: { workflowId: 42, modelName } },
    { type: 'PromotionRejected', data: promotion({ outcome: 'maybe' }) },
    { type: 'ModelPromoted', data: promotion({ challengerVersion: '2', championVersion: '1' }) },
  ]);
  await db.store.append(datasetStreamOf('malformed_view'), [
    { type: 'DatasetGenerated', data: { digest: 'b'.repeat(64), rows: 'many' } },
  ]);
  await db.store.append(evaluationStreamOf(modelName), [
    { type: 'ModelEvaluated', data: { modelVersion: '1', window: 'yesterday' } },
  ]);
}, 120_000);

afterAll(async () => {
  models?.close();
  await web?.close();
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

const getModel = (request: GetModelRequest): Promise<GetModelResponse> =>
  new Promise((resolve, reject) =>
    models.getModel(request, (error: ServiceError | null, response?: GetModelResponse) =>
      error || !response ? reject(error ?? new Error('no response')) : resolve(response),
    ),
  );

describe('malformed platform events', () => {
  it('are skipped by the alias history, each named with its problem', async () => {
    const { changes, malformed } = await readAliasHistory(db.store, modelName);
    expect(changes.map((c) => [c.outcome, c.fromVersion, c.toVersion])).toEqual([
      ['promoted', null, '1'],
      ['promoted', '1', '2'],
    ]);
    expect(malformed.map((m) => [m.type, m.problem])).toEqual([
      ['ModelPromoted', expect.stringContaining('workflowId') as unknown],
      ['PromotionRejected', expect.stringContaining('outcome') as unknown],
    ]);
  });

  it('leave GetModel answering, with a warning in the log', async () => {
    const model = await getModel({ name: modelName });
    expect(model.aliasHistory.map((change) => change.toVersion)).toEqual(['1', '2']);
    expect(model.aliasHistory[1]?.pipelineId).toBe(`pipeline-${modelName}`);
    expect(warnings.join('\n')).toContain(`GetModel ${modelName}: skipped 2 malformed`);
  });

  it('leave the console answering: the model page lists them as left out', async () => {
    const response = await web.call(`/api/models/${modelName}`);
    expect(response.status).toBe(200);
    const model = response.body as ModelDetail;
    expect(model.aliasHistory.map((change) => change.toVersion)).toEqual(['1', '2']);
    expect(model.live).toEqual([]);
    expect(model.skippedEvents.map((event) => event.type)).toEqual([
      'ModelPromoted',
      'PromotionRejected',
      'ModelEvaluated',
    ]);
    expect(model.skippedEvents[2]?.problem).toContain('window');
    const overview = await web.call('/api/overview');
    expect(overview.status).toBe(200);
    expect(
      (overview.body as Overview).champions.find((c) => c.model === modelName)?.version,
    ).toBeNull(); // no champion alias in MLflow here: listed without one
  });

  it('leave the datasets pages answering without them', async () => {
    const list = await web.call('/api/datasets?view=malformed_view');
    expect(list.status).toBe(200);
    expect((list.body as Page<DatasetView>).items).toEqual([]);
    const one = await web.call(`/api/datasets/${'b'.repeat(64)}`);
    expect(one.status).toBe(404);
    expect(JSON.stringify(one.body)).toContain('is malformed');
  });

  it('are counted by reader and type in /metrics (Prometheus text)', async () => {
    const metrics = await web.call('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body as string;
    expect(text).toContain('# TYPE hindsight_platform_events_skipped_total counter');
    const count = (reader: string, type: string): number =>
      Number(
        new RegExp(
          `^hindsight_platform_events_skipped_total\\{reader="${reader}",type="${type}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    // Each read that skipped them counted them: GetModel and the model page above.
    expect(count('get_model', 'ModelPromoted')).toBeGreaterThanOrEqual(1);
    expect(count('console_model', 'ModelEvaluated')).toBeGreaterThanOrEqual(1);
    expect(count('console_datasets', 'DatasetGenerated')).toBeGreaterThanOrEqual(1);
    // Each event once per reader: reading the page again counts nothing new.
    const before = count('console_model', 'ModelEvaluated');
    expect((await web.call(`/api/models/${modelName}`)).status).toBe(200);
    const again = (await web.call('/metrics')).body as string;
    expect(again).toContain(
      `hindsight_platform_events_skipped_total{reader="console_model",type="ModelEvaluated"} ${before}`,
    );
    // Behind the token like the API.
    expect((await web.call('/metrics', { token: null })).status).toBe(401);
  });
});
