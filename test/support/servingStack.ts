// The stack online-serving tests share: a test database with most of a demo history (some
// orders still open), a worker, a champion from a real pipeline, online serving, and a gRPC
// server with the Models service (Predict, live evaluation, batch scoring) over it.
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { generateDemoEvents, type DemoEvent, type DemoOptions } from '../../demo/workOrders.js';
import {
  ModelsClient,
  type PredictRequest,
  type PredictResponse,
} from '../../gen/hindsight/v1/models.js';
import { startServing, type Serving } from '../../serving/serving.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import type { UpcasterRegistry } from '../../eventstore/upcasting/upcasters.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startTestServer, type TestServer } from './grpcServer.js';
import { platformServices } from './platformServices.js';
import { createTestTemporal, uniqueId, type TestTemporal } from './temporal.js';
import { waitFor } from './wait.js';

export interface ServingStack {
  db: TestDatabase;
  temporal: TestTemporal;
  serving: Serving;
  server: TestServer;
  models: InstanceType<typeof ModelsClient>;
  modelName: string;
  /** The version the first pipeline promoted. */
  champion: string;
  /** Work orders assigned and not completed in the appended part of the history. */
  open: Set<string>;
  completed: string[];
  /** The history not appended yet. */
  rest: DemoEvent[];
  predict(request: Partial<PredictRequest>): Promise<PredictResponse>;
  /**
   * Appends the history's next events up to business time `until` (all with Infinity), and
   * resolves once log readers (serving, workers) can see them: another test's open transaction
   * in the cluster can hold the log's horizon back for a while on a loaded machine.
   */
  appendUntil(until: number): Promise<void>;
  /**
   * Appends all the history still held for these streams at once: one append per stream, the
   * streams in parallel, each stream's order kept (not the order across streams), so that it
   * takes a few transactions whatever the load. `appendUntil` skips them afterwards. Resolves
   * once log readers can see them.
   */
  appendRestOf(streamIds: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

export interface ServingStackOptions {
  prefix: string;
  demo: DemoOptions;
  /** Appends the history up to this business time; default 85% of its events. */
  until?: number;
  /** The upcasters of the stack's event store (its worker, serving and server); default none. */
  upcasters?: UpcasterRegistry;
}

export const startServingStack = async ({
  prefix,
  demo,
  until,
  upcasters,
}: ServingStackOptions): Promise<ServingStack> => {
  const db = await createTestDatabase({ upcasters });
  const temporal = await createTestTemporal(db);
  await temporal.startWorker();
  const view = workOrderOverrunView;
  const modelName = `${prefix}-${Date.now().toString(36)}`;
  const history = [...generateDemoEvents(demo)];
  const open = new Set<string>();
  const completed: string[] = [];
  let appended = 0;
  // Streams whose whole rest went in ahead of the history's order.
  const ahead = new Set<string>();
  const track = ({ streamId, event }: DemoEvent): void => {
    const id = streamId.slice(streamId.indexOf('-') + 1);
    if (event.type === 'WorkOrderAssigned') open.add(id);
    if (event.type === 'WorkOrderCompleted') {
      open.delete(id);
      completed.push(id);
    }
  };
  let lastTx = 0;
  const append = async (streamId: string, events: DemoEvent[]): Promise<void> => {
    const { transactionId } = await db.store.append(
      streamId,
      events.map((e) => e.event),
    );
    lastTx = Math.max(lastTx, transactionId);
    events.forEach(track);
  };
  const visible = (): Promise<void> =>
    waitFor(
      async () => (await db.store.cut()).transactionId > lastTx,
      300_000,
      'the appended events to go below the log horizon',
    );
  const held = (): DemoEvent[] => history.slice(appended).filter((e) => !ahead.has(e.streamId));
  const appendUntil = async (time: number): Promise<void> => {
    for (; appended < history.length; appended += 1) {
      const next = history[appended] as DemoEvent;
      if ((next.event.occurredAt ?? 0) > time) return;
      if (ahead.has(next.streamId)) continue;
      await append(next.streamId, [next]);
    }
    await visible();
  };
  const appendRestOf = async (streamIds: Iterable<string>): Promise<void> => {
    const wanted = new Set(streamIds);
    const byStream = new Map<string, DemoEvent[]>();
    for (const e of held()) {
      if (wanted.has(e.streamId))
        byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    }
    for (const streamId of byStream.keys()) ahead.add(streamId);
    await Promise.all([...byStream].map(([streamId, events]) => append(streamId, events)));
    await visible();
  };
  // The demo completes every order by its end: stop before it so that some are open.
  const stop = until ?? history[Math.floor(history.length * 0.85)]?.event.occurredAt ?? Infinity;
  await appendUntil(stop);
  const result = await temporal.client.workflow.execute<typeof RetrainingPipeline>(
    WORKFLOW_TYPES.RetrainingPipeline,
    {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('pipeline'),
      args: [{ view: view.name, modelName }],
      workflowExecutionTimeout: '10 minutes',
    },
  );
  if (result.promotion?.outcome !== 'promoted') {
    throw new Error(`the pipeline promoted no champion: ${JSON.stringify(result.progress)}`);
  }
  const serving = startServing({
    store: db.store,
    mlflow: temporal.mlflow,
    views: [view as never],
    onError: (error) => console.error('serving failed', error),
  });
  const server = await startTestServer(db.store, {
    platform: platformServices(db, temporal, {
      predictor: serving.predictor,
      workflows: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        views: builtInViewRegistry(),
      },
    }),
  });
  const models = new ModelsClient(server.address, credentials.createInsecure());
  return {
    db,
    temporal,
    serving,
    server,
    models,
    modelName,
    champion: result.promotion.challengerVersion,
    open,
    completed,
    get rest() {
      return held();
    },
    predict: (request) =>
      new Promise((resolve, reject) => {
        models.predict(
          { modelName, entityId: '', predictionId: '', asOfMs: 0, ...request },
          (error: ServiceError | null, response: PredictResponse) =>
            error ? reject(error) : resolve(response),
        );
      }),
    appendUntil,
    appendRestOf,
    close: async () => {
      models.close();
      await server.stop();
      await serving.close();
      await temporal.close();
      await db.drop();
    },
  };
};
