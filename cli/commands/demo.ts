import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/env.js';
import { createQuietLogger } from '../../config/logger.js';
import { appendDemoHistory } from '../../demo/appendDemoHistory.js';
import { printPipelineResult, runPipeline } from '../pipelines.js';
import { action } from '../errors.js';
import { parseNonNegativeInt } from '../format.js';
import { createProgressBar } from '../progressBar.js';
import { createEventStoreClient, eventStoreCalls } from '../grpcClient.js';
import { untilSignal } from '../runtime.js';
import { startStack } from '../stack.js';
import { printDataset } from './datasets.js';
import { startPlatform } from './server.js';
import { startWorker } from './worker.js';

const DEMO_VIEW = 'work_order_overrun';

export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description(
      'bring up the stack on the embedded defaults, append a demo ERP history over gRPC, ' +
        'run the retraining pipeline on it (dataset, training, evaluation, promotion), and serve until Ctrl-C',
    )
    .option('--seed <seed>', 'seed of the demo history', '42')
    .option('--work-orders <count>', 'number of work orders', '400')
    .action(
      action(async (options: { seed: string; workOrders: string }) => {
        const seed = parseNonNegativeInt(options.seed, '--seed');
        const workOrders = parseNonNegativeInt(options.workOrders, '--work-orders');
        const config = loadConfig();
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
        const stopAll = async (): Promise<void> => {
          await worker.stop();
          await platform.stop();
          await stack.stop();
        };
        const address = `localhost:${platform.grpc.port}`;
        const connection = await Connection.connect({ address: stack.temporalAddress });
        const client = createEventStoreClient({ address, apiToken: config.HINDSIGHT_API_TOKEN });
        try {
          out(
            `  PostgreSQL   ${stack.database.embedded ? `embedded, data in ${config.HINDSIGHT_DATA_DIR}` : 'DATABASE_URL'} (${stack.database.origin})`,
          );
          out(`  gRPC API     ${address}`);
          out(`  Temporal     ${stack.temporalAddress} (${stack.temporalOrigin})`);
          out(`  Worker       task queue ${config.HINDSIGHT_TASK_QUEUE}`);
          const bar = createProgressBar('demo history');
          const result = await appendDemoHistory(
            eventStoreCalls(client),
            { seed, workOrders },
            (done, total) => bar.update(done / total, `${done}/${total} events appended`),
          );
          bar.done(`demo history: ${result.events} events appended over gRPC`);
          out(
            `Demo history: ${result.events} events in ${result.streams} streams` +
              (result.duplicates
                ? ` (${result.duplicates} already there from an earlier run: nothing duplicated)`
                : ''),
          );
          out('');
          out(
            `Retraining on the log: cut → dataset → train → evaluate → promote (RetrainingPipeline)…`,
          );
          const pipeline = await runPipeline(
            new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
            config.HINDSIGHT_TASK_QUEUE,
            { view: DEMO_VIEW },
          );
          if (pipeline.dataset) printDataset(pipeline.dataset, stack.mlflowUri);
          printPipelineResult(pipeline, stack.mlflowUri);
        } catch (error) {
          client.close();
          await connection.close();
          await stopAll();
          throw error;
        }
        client.close();
        await connection.close();
        const env = platform.grpc.port === 50051 ? '' : `HINDSIGHT_SERVER=${address} `;
        out('');
        out('Look around:');
        if (stack.temporalUiUrl) out(`  Temporal UI  ${stack.temporalUiUrl}`);
        out(`  MLflow UI    ${stack.mlflowUri}`);
        out(`  ${env}./bin/hindsight.js events read workorder-WO-010001`);
        out(`  ${env}./bin/hindsight.js events read ${`hindsight.datasets-${DEMO_VIEW}`}`);
        out(`  ${env}./bin/hindsight.js events tail --from-start --category technician`);
        out(`  ./bin/hindsight.js datasets generate ${DEMO_VIEW}     # a new cut, same worker`);
        out(`  ${env}./bin/hindsight.js pipeline run ${DEMO_VIEW} --trainer random_forest --force`);
        out(`  ${env}./bin/hindsight.js models show ${DEMO_VIEW}`);
        out(`  grpcurl -plaintext ${address} list        # server reflection`);
        out('');
        out('Serving until Ctrl-C.');
        await Promise.race([untilSignal(), worker.done]);
        out('Stopping…');
        await stopAll();
      }),
    );
};
