import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { createQuietLogger } from '../../config/logger.js';
import { appendDemoHistory } from '../../demo/appendDemoHistory.js';
import { action } from '../errors.js';
import { createEventStoreClient, eventStoreCalls } from '../grpcClient.js';
import { untilSignal } from '../runtime.js';
import { startPlatform } from './server.js';

export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description(
      'start the platform on the embedded defaults, append a demo ERP history over gRPC, and serve',
    )
    .option('--seed <seed>', 'seed of the demo history', '42')
    .option('--work-orders <count>', 'number of work orders', '60')
    .action(
      action(async (options: { seed: string; workOrders: string }) => {
        const config = loadConfig();
        const logger = createQuietLogger(config.HINDSIGHT_LOG_LEVEL);
        const out = (line: string): boolean => process.stdout.write(`${line}\n`);
        out('Starting PostgreSQL and the gRPC server…');
        const platform = await startPlatform(config, logger);
        const address = `localhost:${platform.grpc.port}`;
        out(
          `  PostgreSQL   ${platform.database.embedded ? 'embedded, data in ' + config.HINDSIGHT_DATA_DIR : 'DATABASE_URL'}`,
        );
        out(`  gRPC API     ${address}`);
        const client = createEventStoreClient({ address, apiToken: config.HINDSIGHT_API_TOKEN });
        try {
          const result = await appendDemoHistory(
            eventStoreCalls(client),
            { seed: Number(options.seed), workOrders: Number(options.workOrders) },
            (done, total) => process.stdout.write(`\r  appending demo history ${done}/${total}`),
          );
          out('');
          out(
            `Demo history: ${result.events} events in ${result.streams} streams` +
              (result.duplicates
                ? ` (${result.duplicates} already there from an earlier run: nothing duplicated)`
                : ''),
          );
        } finally {
          client.close();
        }
        const env = platform.grpc.port === 50051 ? '' : `HINDSIGHT_SERVER=${address} `;
        out('');
        out('Query it:');
        out(`  ${env}./bin/hindsight.js events read workorder-WO-010001`);
        out(`  ${env}./bin/hindsight.js events read --all --type WorkOrderCompleted --limit 5`);
        out(`  ${env}./bin/hindsight.js events tail --from-start --category technician`);
        out(
          `  ${env}./bin/hindsight.js events append workorder-WO-010001 WorkLogged '{"hours":2}'`,
        );
        out(`  grpcurl -plaintext ${address} list        # server reflection`);
        out('');
        out('Serving until Ctrl-C.');
        await untilSignal();
        out('Stopping…');
        await platform.stop();
      }),
    );
};
