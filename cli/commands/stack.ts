import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { createQuietLogger } from '../../config/logger.js';
import { action } from '../errors.js';
import { exampleText } from '../output.js';
import { startStack } from '../../runtime/stack.js';
import { untilSignal } from '../../runtime/untilSignal.js';

export const registerStackCommands = (program: Command): void => {
  const stack = program
    .command('stack')
    .description('the services Hindsight runs on: PostgreSQL, Temporal, MLflow');
  stack
    .command('up')
    .description(
      'start PostgreSQL, Temporal (dev server + UI) and MLflow on the embedded defaults; Ctrl-C stops them',
    )
    .addHelpText(
      'after',
      '\nDATABASE_URL, TEMPORAL_ADDRESS or MLFLOW_TRACKING_URI, when set, replace that service ' +
        'with an external one; services already running under HINDSIGHT_DATA_DIR are reused.' +
        exampleText(
          'hindsight stack up',
          'HINDSIGHT_DATA_DIR=/var/lib/hindsight hindsight stack up',
        ),
    )
    .action(
      action(async () => {
        const config = loadConfig();
        const logger = createQuietLogger(config.HINDSIGHT_LOG_LEVEL);
        process.stdout.write('Starting the stack…\n');
        const running = await startStack(config, logger);
        const out = (line: string): boolean => process.stdout.write(`${line}\n`);
        const url = running.database.url.replace(/\/\/[^@]*@/, '//');
        const ui = running.temporalUiUrl ? `, UI ${running.temporalUiUrl}` : '';
        out(`  PostgreSQL   ${url}  (${running.database.origin})`);
        out(`  Temporal     ${running.temporalAddress}  (${running.temporalOrigin}${ui})`);
        out(`  MLflow       ${running.mlflowUri}  (${running.mlflowOrigin})`);
        out('Up. Ctrl-C stops what this command started.');
        await untilSignal();
        out('Stopping…');
        await running.stop();
      }),
    );
};
