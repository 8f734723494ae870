// The `hindsight` command: the composition root for the server and operator tools.
import { Command, CommanderError } from 'commander';
import { registerDatasetsCommands } from './commands/datasets.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerMigrationsCommands } from './commands/migrations.js';
import { registerModelsCommands } from './commands/models.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerEventsCommands } from './commands/events.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerServerCommand } from './commands/server.js';
import { registerSnapshotsCommands } from './commands/snapshots.js';
import { registerStackCommands } from './commands/stack.js';
import { registerWorkerCommand } from './commands/worker.js';
import { EXIT } from './errors.js';

const program = new Command()
  .name('hindsight')
  .description('Hindsight: an event-sourced MLOps platform')
  .showHelpAfterError()
  .exitOverride();

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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else throw error;
}
