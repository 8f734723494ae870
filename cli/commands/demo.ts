import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Command } from 'commander';
import path from 'node:path';
import { CHAMPION_ALIAS } from '../../platform/modelRegistry.js';
import { loadConfig, type Config } from '../../config/env.js';
import { createQuietLogger } from '../../config/logger.js';
import { createDemoAppender } from '../../demo/appendDemoHistory.js';
import { runLiveFeed, type LiveFeedStep } from '../../demo/liveFeed.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import { createMlflowClient, isMlflowError } from '../../mlflow/index.js';
import { liveEvaluationIdOf } from '../../services/grpc/modelWorkflowCalls.js';
import { putScoringSchedule } from '../../services/schedules/scoringSchedule.js';
import { ScheduleExistsError, createPipelineSchedules } from '../../services/schedules/index.js';
import type { LiveEvaluationInput } from '../../workflows/liveEvaluationInput.js';
import type { LiveEvaluationWorkflow } from '../../workflows/liveEvaluationWorkflow.js';
import { liveEvaluationStatusQuery } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { printPipelineResult, runPipeline } from '../pipelines.js';
import { action, UsageError } from '../errors.js';
import { DEMO_PROJECT_DIR, projectDirOf } from '../../runtime/project.js';
import { parseNonNegativeInt } from '../format.js';
import { createProgressBar } from '../progressBar.js';
import { createHindsightClient } from '../../sdk/client.js';
import { untilSignal } from '../../runtime/untilSignal.js';
import { startStack } from '../../runtime/stack.js';
import { printDataset } from './datasets.js';
import { startPlatform } from '../../runtime/startPlatform.js';
import { startWorker } from '../../runtime/startWorker.js';

const DEMO_VIEW = 'work_order_overrun';
const DAY = 86_400_000;
/** Business time of the demo world's first event (fixed: the same seed gives the same log). */
const DEMO_START = Date.UTC(2026, 0, 5, 8);

interface DemoOptions {
  seed: string;
  workOrders: string;
  warmupDays: string;
  driftDay: string;
  paceMs: string;
  live: boolean;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description(
      'the whole platform on the embedded defaults: stack, server, worker and console; a demo ERP ' +
        'history over gRPC; the retraining pipeline to a champion; then a live world with ' +
        'predictions, batch scoring, live evaluation, scheduled retraining and, later, drift',
    )
    .option('--seed <seed>', 'seed of the demo history', '42')
    .option('--work-orders <count>', 'work orders in the whole history', '1500')
    .option('--warmup-days <days>', 'days of history appended before the first pipeline', '100')
    .option('--drift-day <day>', 'day of the history from which the world drifts', '120')
    .option('--pace-ms <ms>', 'wall-clock time between live steps (each is two days)', '2000')
    .option('--no-live', 'stop after the first champion: no live world')
    .action(
      action(async (options: DemoOptions) => {
        const seed = parseNonNegativeInt(options.seed, '--seed');
        const workOrders = parseNonNegativeInt(options.workOrders, '--work-orders');
        const warmupDays = parseNonNegativeInt(options.warmupDays, '--warmup-days');
        const driftDay = parseNonNegativeInt(options.driftDay, '--drift-day');
        const paceMs = parseNonNegativeInt(options.paceMs, '--pace-ms');
        const config = loadConfig();
        // The demo appends the work orders' history and trains their view: it is that project's.
        const projectDir = projectDirOf(config);
        if (path.resolve(projectDir) !== DEMO_PROJECT_DIR) {
          throw new UsageError(
            `the demo runs its own project (${DEMO_PROJECT_DIR}), not ${path.resolve(projectDir)}: ` +
              'run yours with `hindsight --project <dir> server` and `… worker`',
          );
        }
        const logger = createQuietLogger(config.HINDSIGHT_LOG_LEVEL);
        const out = (line: string): boolean => process.stdout.write(`${line}\n`);
        out('Starting the stack (PostgreSQL, Temporal, MLflow)…');
        const stack = await startStack(config, logger);
        // Everything below talks to the stack just started (or reused, or external).
        const wired: Config = {
          ...config,
          DATABASE_URL: stack.database.url,
          TEMPORAL_ADDRESS: stack.temporalAddress,
          MLFLOW_TRACKING_URI: stack.mlflowUri,
          HINDSIGHT_TEMPORAL_UI_URL: config.HINDSIGHT_TEMPORAL_UI_URL ?? stack.temporalUiUrl,
        };
        const platform = await startPlatform(wired, logger).catch(async (error: unknown) => {
          await stack.stop();
          throw error;
        });
        const worker = await startWorker(wired, logger).catch(async (error: unknown) => {
          await platform.stop();
          await stack.stop();
          throw error;
        });
        const feed = new AbortController();
        let feeding: Promise<void> = Promise.resolve();
        let reporter: ReturnType<typeof liveReporter> | null = null;
        const stopAll = async (): Promise<void> => {
          feed.abort();
          await feeding.catch(() => undefined);
          await worker.stop();
          await platform.stop();
          await stack.stop();
        };
        const address = `localhost:${platform.grpc.port}`;
        const connection = await Connection.connect({ address: stack.temporalAddress });
        const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
        const client = createHindsightClient({ address, apiToken: config.HINDSIGHT_API_TOKEN });
        const mlflow = createMlflowClient({ trackingUri: stack.mlflowUri });
        const closeClients = async () => {
          client.close();
          await connection.close();
        };
        const driftAt = DEMO_START + driftDay * DAY;
        const history = generateDemoHistory({
          seed,
          workOrders,
          start: DEMO_START,
          drift: { at: driftAt },
        });
        const appender = createDemoAppender(client.eventStore, seed, history);
        let warmup = history.findIndex(
          ({ event }) => (event.occurredAt ?? 0) >= DEMO_START + warmupDays * DAY,
        );
        if (warmup < 0) warmup = history.length;
        let modelName = DEMO_VIEW;
        try {
          out(
            `  PostgreSQL   ${stack.database.embedded ? `embedded, data in ${config.HINDSIGHT_DATA_DIR}` : 'DATABASE_URL'} (${stack.database.origin})`,
          );
          out(`  gRPC API     ${address}`);
          out(`  Console      ${platform.console.url}`);
          out(`  Temporal     ${stack.temporalAddress} (${stack.temporalOrigin})`);
          out(`  Worker       task queue ${config.HINDSIGHT_TASK_QUEUE}`);
          const bar = createProgressBar('demo history');
          const result = await appender.append(0, warmup, (done, total) =>
            bar.update(done / total, `${done}/${total} events appended`),
          );
          bar.done(`demo history: ${warmup} events appended over gRPC`);
          out(
            `Demo history: ${warmup} events in ${appender.streams} streams, ` +
              `${warmupDays} days of a ${workOrders}-order ERP from ${dateOf(DEMO_START)}` +
              (result.duplicates
                ? ` (${result.duplicates} already there from an earlier run: nothing duplicated)`
                : ''),
          );
          out('');
          const champion = await championOf(mlflow, modelName);
          if (champion) {
            out(`Champion ${modelName} v${champion} is there from an earlier run: reusing it.`);
          } else {
            out('Retraining on the log: cut → dataset → train → evaluate → promote…');
            const pipeline = await runPipeline(temporal, config.HINDSIGHT_TASK_QUEUE, {
              view: DEMO_VIEW,
            });
            if (pipeline.dataset) printDataset(pipeline.dataset, stack.mlflowUri);
            printPipelineResult(pipeline, stack.mlflowUri);
            modelName = pipeline.progress.modelName;
            if (pipeline.promotion?.outcome === 'promoted') {
              out(`Champion promoted: ${modelName} v${pipeline.promotion.challengerVersion}.`);
            }
          }
          if (options.live) {
            out('');
            await startLiveWorld(temporal, config.HINDSIGHT_TASK_QUEUE, modelName, out);
          }
        } catch (error) {
          await closeClients();
          await stopAll();
          throw error;
        }
        const env = platform.grpc.port === 50051 ? '' : `HINDSIGHT_SERVER=${address} `;
        out('');
        out('Look around:');
        out(`  Console      ${platform.console.url}`);
        if (stack.temporalUiUrl) out(`  Temporal UI  ${stack.temporalUiUrl}`);
        out(`  MLflow UI    ${stack.mlflowUri}`);
        // With a token every call needs it, reflection's too.
        const bearer = config.HINDSIGHT_API_TOKEN
          ? '-H "authorization: Bearer $HINDSIGHT_API_TOKEN" '
          : '';
        out(`  gRPC API     ${address}   (grpcurl -plaintext ${bearer}${address} list)`);
        out(`  ${env}./bin/hindsight.js models show ${modelName}`);
        out(`  ${env}./bin/hindsight.js models live status ${modelName}`);
        out(`  ${env}./bin/hindsight.js events tail --category prediction`);
        out(`  ${env}./bin/hindsight.js pipeline list`);
        out('');
        out('Serving until Ctrl-C.');
        if (options.live && warmup < history.length) {
          out(
            `Live: a step of two days every ${paceMs} ms; the world drifts on ${dateOf(driftAt)}.`,
          );
          const predict = (entityId: string, predictionId: string, asOfMs: number) =>
            client.models.predict({ modelName, entityId, predictionId, asOfMs });
          reporter = liveReporter(out, temporal, modelName);
          feeding = runLiveFeed({
            seed,
            history,
            appender,
            from: warmup,
            stepMs: 2 * DAY,
            paceMs,
            driftAt,
            predict,
            onStep: reporter.onStep,
            signal: feed.signal,
          }).catch((error: unknown) => {
            if (!feed.signal.aborted) {
              out(`The live world stopped: ${(error as Error).message}`);
            }
          });
        }
        // A worker that stops on its own ends the demo too, cleanly, with its error if any.
        // (It also ends, cleanly, on Ctrl-C: the worker shuts down on the signal as well.)
        const workerEnded = worker.done.then(
          () => null,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
        const quit = new AbortController();
        const ended = await Promise.race([untilSignal(quit.signal).then(() => null), workerEnded]);
        quit.abort();
        out(ended ? `The worker stopped: ${ended.message}` : 'Stopping…');
        feed.abort();
        await feeding;
        await reporter?.settled();
        await closeClients();
        await stopAll();
        if (ended) throw ended;
      }),
    );
};

const championOf = async (
  mlflow: ReturnType<typeof createMlflowClient>,
  modelName: string,
): Promise<string | null> => {
  try {
    return (await mlflow.getRegisteredModel(modelName)).aliases[CHAMPION_ALIAS] ?? null;
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw error;
  }
};

/** Retraining every 6 h, batch scoring every minute by the log's clock, live evaluation. */
const startLiveWorld = async (
  client: Client,
  taskQueue: string,
  modelName: string,
  out: (line: string) => void,
): Promise<void> => {
  const schedules = createPipelineSchedules(client.schedule, { taskQueue });
  try {
    const created = await schedules.create({
      input: { view: DEMO_VIEW, modelName },
      spec: { every: '6h' },
      note: 'demo: scheduled retraining',
    });
    out(`Scheduled retraining: ${created.id}, ${created.spec}.`);
  } catch (error) {
    if (!(error instanceof ScheduleExistsError)) throw error;
    out(`Scheduled retraining: ${error.scheduleId} (from an earlier run).`);
  }
  const { schedule } = await putScoringSchedule(client.schedule, taskQueue, {
    modelName,
    intervalSeconds: 60,
    clock: 'log',
  });
  out(`Batch scoring: ${schedule.id}, every ${schedule.intervalSeconds} s, by the log's clock.`);
  const input: LiveEvaluationInput = {
    modelName,
    view: DEMO_VIEW,
    windowMs: 15_000,
    labelHorizonMs: 60_000,
    graceMs: 1_000,
    pollMs: 1_000,
    policy: {
      metric: 'logLoss',
      maxDropFromValidation: 0.05,
      windowsInARow: 2,
      minLabelled: 15,
      cooldownMs: 600_000,
    },
    // Drift moves the base rate: judge a challenger by its probabilities, as the policy does.
    retraining: { rules: { primaryMetric: 'logLoss', minAbsoluteGain: 0.01, guards: [] } },
  };
  const workflowId = liveEvaluationIdOf(modelName);
  try {
    await client.workflow.start<typeof LiveEvaluationWorkflow>(
      WORKFLOW_TYPES.LiveEvaluationWorkflow,
      {
        taskQueue,
        workflowId,
        args: [input],
      },
    );
    out(`Live evaluation: ${workflowId}, windows of 15 s, retrains when log loss degrades.`);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    out(`Live evaluation: ${workflowId} (already following the log).`);
  }
};

/** Prints the live world's news: every fifth step, the drift, retrainings, a new champion. */
const liveReporter = (
  out: (line: string) => void,
  client: Client,
  modelName: string,
): { onStep: (step: LiveFeedStep) => void; settled: () => Promise<void> } => {
  let lastVersion: string | null = null;
  // Status queries in flight: the Temporal connection must outlive them.
  const pending = new Set<Promise<void>>();
  const track = (promise: Promise<void>): void => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  };
  const live: WorkflowHandle = client.workflow.getHandle(liveEvaluationIdOf(modelName));
  // Retrainings of an earlier run are old news.
  let retrainings: number | null = null;
  track(
    live
      .query(liveEvaluationStatusQuery)
      .then((status) => {
        retrainings ??= status.retrainings.length;
      })
      .catch(() => undefined),
  );
  const onStep = (step: LiveFeedStep): void => {
    const versions = [...step.versions.keys()].sort();
    const version = versions.at(-1) ?? lastVersion;
    if (step.driftStarted) {
      out(`Drift injected on ${dateOf(step.at)}: from now on work orders follow new dynamics.`);
    }
    if (lastVersion !== null && version !== null && version !== lastVersion) {
      out(`New champion ${modelName} v${version} is answering predictions.`);
    }
    lastVersion = version;
    if (step.index % 5 === 0 || step.finished) {
      out(
        `  ${dateOf(step.at)}  ${step.open} open orders, ${step.predictions} predictions` +
          (version ? ` by v${version}` : '') +
          `, ${step.appended} new events`,
      );
      track(
        live
          .query(liveEvaluationStatusQuery)
          .then((status) => {
            const count = status.retrainings.length;
            if (retrainings !== null && count > retrainings) {
              const latest = status.retrainings.at(-1);
              out(`Retraining triggered by live evaluation: ${latest?.reason ?? ''}`);
            }
            retrainings = count;
          })
          .catch(() => undefined),
      );
    }
    if (step.finished) out('The demo history is over: serving until Ctrl-C.');
  };
  return { onStep, settled: async () => void (await Promise.all([...pending])) };
};
