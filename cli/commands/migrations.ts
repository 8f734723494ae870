// `hindsight migrations`: upcasting migrations through the server's Operations API — dry run,
// run, follow, resume or abort a blocked one, undo.
import type { Command } from 'commander';
import type { Migration } from '../../gen/hindsight/v1/operations.js';
import { action, UsageError } from '../errors.js';
import { parseNonNegativeInt } from '../format.js';
import type { HindsightClient } from '../../sdk/client.js';
import { withClient } from '../client.js';

type OperationsCalls = HindsightClient['operations'];

/** Runs `use` with the Operations service of the configured server. */
const withOperations = (use: (calls: OperationsCalls) => Promise<void>): Promise<void> =>
  withClient((client) => use(client.operations));
import {
  migrationAsJson,
  migrationStatusName,
  printMigration,
  printMigrationLine,
} from '../printMigration.js';
import { examples, JSON_HELP, JSON_LIST_HELP, out, printJson } from '../output.js';
import { createProgressBar } from '../progressBar.js';

const POLL_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const fetchMigration = async (calls: OperationsCalls, migrationId: string): Promise<Migration> => {
  const { migration } = await calls.getMigration({ migrationId });
  if (!migration) throw new Error(`migration ${migrationId} vanished`);
  return migration;
};

const show = (migration: Migration, json: boolean | undefined): void => {
  if (json) printJson(migrationAsJson(migration));
  else printMigration(migration);
};

/** Shows a migration followed to its end: exit 1 when it failed, waits blocked, or the dry run
 * found an event its upcaster fails on. */
const showOutcome = (done: Migration, json: boolean | undefined): void => {
  show(done, json);
  const ok =
    done.workflowStatus === 'COMPLETED' && !done.report?.failure && done.stage !== 'blocked';
  if (!ok) process.exitCode = 1;
};

const parseCount = (text: string | undefined, option: string): number =>
  text === undefined ? 0 : parseNonNegativeInt(text, option);

/** Polls until the migration's workflow stops running or it waits blocked. */
const followMigration = async (
  calls: OperationsCalls,
  migrationId: string,
  json: boolean | undefined,
): Promise<Migration> => {
  const bar = json ? undefined : createProgressBar(`migration ${migrationId}`);
  for (;;) {
    const current = await fetchMigration(calls, migrationId);
    const counts = current.dryRun ? '' : ` ${current.migrated}/${current.total}`;
    bar?.update(current.percent / 100, `${current.stage || 'starting'}${counts}`);
    if (current.stage === 'blocked' || current.workflowStatus !== 'RUNNING') {
      bar?.done(
        `migration ${migrationId}: ${current.stage || migrationStatusName(current.status)}`,
      );
      return current;
    }
    await sleep(POLL_MS);
  }
};

/** Polls until the migration's undo workflow stops running. */
const followUndo = async (
  calls: OperationsCalls,
  migrationId: string,
  json: boolean | undefined,
): Promise<Migration> => {
  const bar = json ? undefined : createProgressBar(`undo ${migrationId}`);
  for (;;) {
    const current = await fetchMigration(calls, migrationId);
    const undo = current.undo;
    bar?.update(
      (undo?.percent ?? 0) / 100,
      `${undo?.stage ?? 'starting'} ${current.restored}/${current.migrated}`,
    );
    if (undo && undo.workflowStatus !== 'RUNNING') {
      bar?.done(`undo ${migrationId}: ${undo.stage}`);
      return current;
    }
    await sleep(POLL_MS);
  }
};

interface StartOptions {
  dryRun?: boolean;
  batchSize?: string;
  sample?: string;
  id?: string;
  wait?: boolean;
  json?: boolean;
}

const start = async (eventType: string, toVersionText: string, options: StartOptions) => {
  const toVersion = parseNonNegativeInt(toVersionText, '<to-version>');
  const sample = options.sample === undefined ? undefined : parseCount(options.sample, '--sample');
  if (sample !== undefined && !options.dryRun) {
    throw new UsageError('--sample goes with --dry-run: a real migration takes no samples');
  }
  await withOperations(async (calls) => {
    const { migrationId } = await calls.startMigration({
      eventType,
      toVersion,
      dryRun: options.dryRun ?? false,
      batchSize: parseCount(options.batchSize, '--batch-size'),
      sampleSize: sample,
      migrationId: options.id ?? '',
    });
    if (!options.wait) {
      if (options.json) printJson({ migrationId });
      else out(migrationId);
      return;
    }
    showOutcome(await followMigration(calls, migrationId, options.json), options.json);
  });
};

const status = (migrationId: string, options: { wait?: boolean; json?: boolean }) =>
  withOperations(async (calls) => {
    if (!options.wait) show(await fetchMigration(calls, migrationId), options.json);
    else showOutcome(await followMigration(calls, migrationId, options.json), options.json);
  });

const list = (options: { eventType?: string; limit: string; json?: boolean }) => {
  const pageSize = Math.max(1, parseNonNegativeInt(options.limit, '--limit'));
  return withOperations(async (calls) => {
    const { migrations: found } = await calls.listMigrations({
      eventType: options.eventType ?? '',
      pageSize,
    });
    if (options.json) printJson(found.map(migrationAsJson));
    else found.forEach(printMigrationLine);
  });
};

const undo = (
  migrationId: string,
  options: { batchSize?: string; wait?: boolean; json?: boolean },
) => {
  const batchSize = parseCount(options.batchSize, '--batch-size');
  return withOperations(async (calls) => {
    const { workflowId } = await calls.undoMigration({ migrationId, batchSize });
    if (!options.wait) {
      if (options.json) printJson({ migrationId, workflowId });
      else out(workflowId);
      return;
    }
    const done = await followUndo(calls, migrationId, options.json);
    show(done, options.json);
    if (done.undo?.workflowStatus !== 'COMPLETED') process.exitCode = 1;
  });
};

export const registerMigrationsCommands = (program: Command): void => {
  const migrations = program
    .command('migrations')
    .description(
      "upcasting migrations: rewrite stored events to a later schema version, keeping the originals (through the server's Operations API)",
    );
  examples(
    migrations
      .command('start')
      .summary('start a migration, or a dry run that writes nothing')
      .description(
        'start a migration (or a dry run that writes nothing); with --wait follow it to the end. ' +
          'Exits 1 when it fails, waits blocked, or the dry run finds an event its upcaster fails on',
      )
      .argument('<event-type>', 'the event type to rewrite, e.g. WorkOrderBlocked')
      .argument('<to-version>', 'the schema version to rewrite to, e.g. 2')
      .option('--dry-run', 'count, sample and check every upcast; write nothing')
      .option('--batch-size <n>', 'events per transaction, 1 to 10000 (default 1000)')
      .option('--sample <n>', 'with --dry-run: before/after pairs to show, 0 to 100 (default 5)')
      .option('--id <id>', 'the migration id (default migration-<event-type>-<random>)')
      .option('--wait', 'follow it with a progress bar until it is done, blocked or failed')
      .option('--json', JSON_HELP)
      .action(action(start)),
    'hindsight migrations start WorkOrderBlocked 2 --dry-run --wait',
    'hindsight migrations start WorkOrderBlocked 2 --wait --json > migration.json',
  );
  examples(
    migrations
      .command('status')
      .description("a migration's status, counts, cursor, digests, dry-run report and undo")
      .argument('<id>', 'the migration id')
      .option(
        '--wait',
        'follow it with a progress bar until it is done, blocked or failed (exit 1 unless done)',
      )
      .option('--json', JSON_HELP)
      .action(action(status)),
    'hindsight migrations status migration-WorkOrderBlocked-3f2a… --wait',
  );
  migrations
    .command('list')
    .description('recorded migrations, newest first (dry runs record none)')
    .option('--event-type <type>', 'only those of this event type')
    .option('--limit <n>', 'at most this many, 1 to 200', '50')
    .option('--json', JSON_LIST_HELP)
    .action(action(list));
  migrations
    .command('resume')
    .description('retry a blocked migration at the event it stopped at, after fixing its upcaster')
    .argument('<id>', 'the migration id')
    .option('--json', JSON_HELP)
    .action(
      action((migrationId: string, options: { json?: boolean }) =>
        withOperations(async (calls) => {
          await calls.resumeMigration({ migrationId });
          if (options.json) printJson({ migrationId, resumed: true });
          else
            out(
              `resumed ${migrationId} (follow it: hindsight migrations status ${migrationId} --wait)`,
            );
        }),
      ),
    );
  examples(
    migrations
      .command('abort')
      .description(
        'give up a blocked migration; the events it migrated stay migrated (undo restores them)',
      )
      .argument('<id>', 'the migration id')
      .option('--reason <text>', 'why, kept with the migration')
      .option('--json', JSON_HELP)
      .action(
        action((migrationId: string, options: { reason?: string; json?: boolean }) =>
          withOperations(async (calls) => {
            await calls.abortMigration({ migrationId, reason: options.reason ?? '' });
            if (options.json) printJson({ migrationId, aborted: true });
            else out(`aborted ${migrationId}`);
          }),
        ),
      ),
    "hindsight migrations abort migration-WorkOrderBlocked-3f2a… --reason 'legacy events stay v1'",
  );
  migrations
    .command('undo')
    .description(
      'put back the original payloads of a completed or failed migration, exactly as stored',
    )
    .argument('<id>', 'the migration id')
    .option('--batch-size <n>', 'events per transaction, 1 to 10000 (default 1000)')
    .option(
      '--wait',
      'follow the undo with a progress bar until it ends (exit 1 unless it completes)',
    )
    .option('--json', JSON_HELP)
    .action(action(undo));
};
