import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../config/logger.js';
import { startWorker } from '../../runtime/startWorker.js';
import { untilSignal } from '../../runtime/untilSignal.js';
import { action } from '../errors.js';
import { exampleText } from '../output.js';

export const registerWorkerCommand = (program: Command): void => {
  program
    .command('worker')
    .description(
      'run the Temporal worker (workflows and activities) on HINDSIGHT_TASK_QUEUE until SIGINT or SIGTERM',
    )
    .addHelpText(
      'after',
      '\nIt needs Temporal (TEMPORAL_ADDRESS, exit 69 when unreachable), the database ' +
        '(DATABASE_URL or the embedded one) and MLflow (MLFLOW_TRACKING_URI).' +
        exampleText(
          'hindsight worker',
          'TEMPORAL_ADDRESS=temporal:7233 HINDSIGHT_TASK_QUEUE=hindsight-gpu hindsight worker',
        ),
    )
    .action(
      action(async () => {
        const config = loadConfig();
        const logger = createLogger(config.HINDSIGHT_LOG_LEVEL);
        const running = await startWorker(config, logger);
        await Promise.race([untilSignal(), running.done]);
        await running.stop();
      }),
    );
};
