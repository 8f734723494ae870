// The `hindsight` command tree, built in one place: `main.ts` runs it, tests walk it.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/paths.js';
import { registerDatasetsCommands } from './commands/datasets.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEventsCommands } from './commands/events.js';
import { registerInitCommand } from './commands/init.js';
import { registerMigrationsCommands } from './commands/migrations.js';
import { registerModelsCommands } from './commands/models.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerServerCommand } from './commands/server.js';
import { registerSnapshotsCommands } from './commands/snapshots.js';
import { registerStackCommands } from './commands/stack.js';
import { registerWorkerCommand } from './commands/worker.js';
import { action, EXIT, EXIT_CODES, exitCodesHelp, reportError } from './errors.js';
import { exampleText, out, printJson } from './output.js';
import { setProgressEnabled } from './progressBar.js';

const version = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Commands that run in the foreground until Ctrl-C: they log, they print no result. */
export const FOREGROUND_COMMANDS = ['server', 'worker', 'stack up', 'demo'] as const;

const ENVIRONMENT = `
Environment (the full list is in docs/configuration.md; a bad value exits 78 and names the variable):
  HINDSIGHT_SERVER       the gRPC server of the API commands (default localhost:50051)
  HINDSIGHT_API_TOKEN    the server's bearer token, when it requires one
  HINDSIGHT_TLS_CA_FILE  use TLS, verifying the server against this CA (PEM)
  TEMPORAL_ADDRESS       Temporal, for worker, datasets and schedule (default 127.0.0.1:7233)
  TEMPORAL_NAMESPACE     its namespace (default default); HINDSIGHT_TASK_QUEUE the task queue
  DATABASE_URL           PostgreSQL of server and worker (default: embedded, HINDSIGHT_DATA_DIR)
  MLFLOW_TRACKING_URI    MLflow of the worker (default: embedded)
  CI                     when true, progress is plain lines on stderr, never redrawn`;

const OUTPUT = `
Output: results on stdout; progress bars, hints and errors on stderr. With --json a command
prints one JSON document on stdout (NDJSON, one event a line, for events read and tail) and
nothing else there. Progress is redrawn on a terminal, plain lines otherwise (pipes, CI=true).`;

export const buildProgram = (): Command => {
  // Settings first: the subcommands inherit them when they are created.
  const program = new Command()
    .name('hindsight')
    .description(
      'Hindsight: an event-sourced MLOps platform (event store, gRPC API, Temporal, MLflow)',
    )
    .version(version, '-V, --version', 'print the version')
    .option('--no-progress', 'no progress bars or progress lines on stderr')
    .option(
      '--project <dir>',
      "the project's folder (its hindsight.config.ts); default HINDSIGHT_PROJECT, else the demo's",
    )
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      outputError: (text, write) => write(`hindsight: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride()
    .hook('preAction', (root) => {
      const { progress, project } = root.opts<{ progress: boolean; project?: string }>();
      setProgressEnabled(progress);
      // Read with the rest of the configuration, by every command that loads the project.
      if (project !== undefined) process.env.HINDSIGHT_PROJECT = path.resolve(project);
    });

  registerInitCommand(program);
  registerStackCommands(program);
  registerServerCommand(program);
  registerWorkerCommand(program);
  registerEventsCommands(program);
  registerDatasetsCommands(program);
  registerPipelineCommands(program);
  registerModelsCommands(program);
  registerDemoCommand(program);
  registerScheduleCommands(program);
  registerMigrationsCommands(program);
  registerSnapshotsCommands(program);

  // demo and server are registered by files of their own; their examples are added here.
  program.commands
    .find((command) => command.name() === 'server')
    ?.addHelpText(
      'after',
      '\nThe database: DATABASE_URL, or the embedded PostgreSQL under HINDSIGHT_DATA_DIR. ' +
        'Pipelines calls answer UNAVAILABLE until Temporal is up.' +
        exampleText(
          'hindsight server',
          'DATABASE_URL=postgres://hindsight@db/hindsight HINDSIGHT_API_TOKEN=… hindsight server',
        ),
    );
  program.commands
    .find((command) => command.name() === 'demo')
    ?.addHelpText('after', exampleText('hindsight demo', 'hindsight demo --work-orders 2000'));

  program
    .command('exit-codes')
    .description('the exit codes of every command and what they mean')
    .option('--json', 'print them as one JSON array')
    .addHelpText('after', `\nExit codes:\n${exitCodesHelp()}`)
    .action(
      action((options: { json?: boolean }) => {
        if (options.json) printJson(EXIT_CODES);
        else out(exitCodesHelp(''));
        return Promise.resolve();
      }),
    );

  // After a usage error, the way to the help of the command at fault.
  const hintHelp = (command: Command, name: string): void => {
    command.showHelpAfterError(`(see: ${name} --help)`);
    command.commands.forEach((sub) => hintHelp(sub, `${name} ${sub.name()}`));
  };
  hintHelp(program, 'hindsight');

  program.addHelpText(
    'after',
    `${exampleText(
      'hindsight stack up                      # PostgreSQL, Temporal and MLflow',
      'hindsight server & hindsight worker &',
      'hindsight pipeline run work_order_overrun --trainer random_forest',
      'hindsight events read --all --limit 20 --json | jq .type',
      'hindsight help pipeline run             # or: hindsight pipeline run --help',
    )}
${OUTPUT}
${ENVIRONMENT}

Exit codes (also: hindsight help exit-codes):
${exitCodesHelp()}`,
  );
  return program;
};

/** Runs the command line; the exit code is left in process.exitCode. */
export const runCli = async (argv: readonly string[]): Promise<void> => {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Commander has written its message (usage errors) or the help (exit code 0) already.
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else process.exitCode = reportError(error);
  }
};
