// `hindsight migrations`: upcasting migrations through the server's Operations API — dry run,
// run, follow, resume or abort a blocked one, undo.
import type { Command } from 'commander';
import type { Migration } from '../../gen/hindsight/v1/operations.js';
import { action, UsageError } from '../errors.js';
import { parseNonNegativeInt } from '../format.js';
import { withOperations, type OperationsCalls } from '../grpcClient.js';
import {
  migrationAsJson,
  migrationStatusName,
  printMigration,
  printMigrationLine,
} from '../printMigration.js';
import { createProgressBar } from '../progressBar.js';

const POLL_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const fetchMigration = async (calls: OperationsCalls, migrationId: string): Promise<Migration> => {
  const { migration } = await calls.getMigration({ migrationId });
  if (!migration) throw new Error(`migration ${migrationId} vanished`);
  return migration;
};

const show = (migration: Migration, json: boolean | undefined): void => {
  if (json) process.stdout.write(`${JSON.stringify(migrationAsJson(migration))}\n`);
  else printMigration(migration);
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
      process.stdout.write(
        options.json ? `${JSON.stringify({ migrationId })}\n` : `${migrationId}\n`,
      );
      return;
    }
    const done = await followMigration(calls, migrationId, options.json);
    show(done, options.json);
    const ok =
      done.workflowStatus === 'COMPLETED' && !done.report?.failure && done.stage !== 'blocked';
    if (!ok) process.exitCode = 1;
  });
};

export const registerMigrationsCommands = (program: Command): void => {
  const migrations = program
    .command('migrations')
    .description(
      "upcasting migrations: rewrite stored events to a later schema version, keeping the originals (through the server's Operations API)",
    );
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
    .option('--json', 'print JSON')
    .action(action(start));
  migrations
    .command('status')
    .description("a migration's status, counts, cursor, digests, dry-run report and undo")
    .argument('<id>', 'the migration id')
    .option('--json', 'print it as JSON')
    .action(
      action((migrationId: string, options: { json?: boolean }) =>
        withOperations(async (calls) =>
          show(await fetchMigration(calls, migrationId), options.json),
        ),
      ),
    );
  migrations
    .command('list')
    .description('recorded migrations, newest first (dry runs record none)')
    .option('--event-type <type>', 'only those of this event type')
    .option('--limit <n>', 'at most this many, 1 to 200', '50')
    .option('--json', 'one JSON object per line')
    .action(
      action((options: { eventType?: string; limit: string; json?: boolean }) =>
        withOperations(async (calls) => {
          const { migrations: found } = await calls.listMigrations({
            eventType: options.eventType ?? '',
            pageSize: Math.max(1, parseNonNegativeInt(options.limit, '--limit')),
          });
          for (const m of found) {
            if (options.json) process.stdout.write(`${JSON.stringify(migrationAsJson(m))}\n`);
            else printMigrationLine(m);
          }
        }),
      ),
    );
  migrations
    .command('resume')
    .description('retry a blocked migration at the event it stopped at, after fixing its upcaster')
    .argument('<id>', 'the migration id')
    .action(
      action((migrationId: string) =>
        withOperations(async (calls) => {
          await calls.resumeMigration({ migrationId });
          process.stdout.write(`resumed ${migrationId}\n`);
        }),
      ),
    );
  migrations
    .command('abort')
    .description(
      'give up a blocked migration; the events it migrated stay migrated (undo restores them)',
    )
    .argument('<id>', 'the migration id')
    .option('--reason <text>', 'why, kept with the migration')
    .action(
      action((migrationId: string, options: { reason?: string }) =>
        withOperations(async (calls) => {
          await calls.abortMigration({ migrationId, reason: options.reason ?? '' });
          process.stdout.write(`aborted ${migrationId}\n`);
        }),
      ),
    );
  migrations
    .command('undo')
    .description(
      'put back the original payloads of a completed or failed migration, exactly as stored',
    )
    .argument('<id>', 'the migration id')
    .option('--batch-size <n>', 'events per transaction, 1 to 10000 (default 1000)')
    .option('--wait', 'follow the undo with a progress bar until it ends')
    .option('--json', 'print JSON')
    .action(
      action(
        (migrationId: string, options: { batchSize?: string; wait?: boolean; json?: boolean }) =>
          withOperations(async (calls) => {
            const { workflowId } = await calls.undoMigration({
              migrationId,
              batchSize: parseCount(options.batchSize, '--batch-size'),
            });
            if (!options.wait) {
              process.stdout.write(
                options.json ? `${JSON.stringify({ workflowId })}\n` : `${workflowId}\n`,
              );
              return;
            }
            const done = await followUndo(calls, migrationId, options.json);
            show(done, options.json);
            if (done.undo?.workflowStatus !== 'COMPLETED') process.exitCode = 1;
          }),
      ),
    );
};
