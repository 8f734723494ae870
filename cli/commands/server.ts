import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../config/logger.js';
import { startPlatform } from '../../runtime/startPlatform.js';
import { untilSignal } from '../../runtime/untilSignal.js';
import { EXIT, action } from '../errors.js';

export const registerServerCommand = (program: Command): void => {
  program
    .command('server')
    .description(
      'run the gRPC API (EventStore, Pipelines, Models, Operations, health, reflection) until SIGINT or SIGTERM',
    )
    .action(
      action(async () => {
        const config = loadConfig();
        const logger = createLogger(config.HINDSIGHT_LOG_LEVEL);
        const platform = await startPlatform(config, logger);
        logger.info({ url: platform.console.url }, 'web console listening');
        logger.info(
          {
            port: platform.grpc.port,
            tls: Boolean(config.HINDSIGHT_TLS_CERT_FILE),
            auth: Boolean(config.HINDSIGHT_API_TOKEN),
          },
          'gRPC server listening',
        );
        const signal = await untilSignal();
        logger.info({ signal }, 'shutting down: draining calls in flight');
        // Calls and connections end within the grace; should closing the rest hang (a pool
        // waiting on a lost database), the process still ends soon after it.
        setTimeout(() => {
          logger.error('shutdown overran its grace by 5 s: exiting');
          process.exit(EXIT.failure);
        }, config.HINDSIGHT_SHUTDOWN_GRACE_MS + 5_000).unref();
        await platform.stop();
        logger.info('stopped');
      }),
    );
};
