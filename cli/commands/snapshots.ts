// `hindsight snapshots`: aggregate snapshots through the server's Operations API — run them now,
// see how far behind each aggregate type is, and schedule them.
import type { Command } from 'commander';
import type {
  GetSnapshotRunResponse,
  SnapshotSchedule,
  SnapshotStats,
} from '../../gen/hindsight/v1/operations.js';
import { durationMs, formatDuration } from '../../services/schedules/scheduleSpec.js';
import type { SnapshotProgress } from '../../workflows/snapshotWorkflow.js';
import { action, usageParser } from '../errors.js';
import { withClient } from '../client.js';
import { examples, exampleText, JSON_HELP, out, printJson } from '../output.js';
import { createProgressBar } from '../progressBar.js';

const POLL_MS = 500;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const progressOf = (run: GetSnapshotRunResponse): SnapshotProgress | null =>
  run.progressJson.length
    ? (JSON.parse(Buffer.from(run.progressJson).toString('utf8')) as SnapshotProgress)
    : null;

const printRun = (run: GetSnapshotRunResponse): void => {
  out(`run        ${run.workflowId}: ${run.workflowStatus.toLowerCase()} (stage ${run.stage})`);
  for (const a of progressOf(run)?.aggregates ?? []) {
    out(
      `${a.aggregateType.padEnd(20)} scanned ${a.scanned}  due ${a.due}  written ${a.written}` +
        `  pruned ${a.pruned}  events replayed ${a.eventsReplayed}` +
        (a.unreadable
          ? `  unreadable ${a.unreadable} (streams holding an event the upcasters fail on)`
          : '') +
        (a.done ? '' : '  (not finished)'),
    );
  }
  if (run.failure) out(`failure    ${run.failure}`);
};

const scheduleLine = (schedule: SnapshotSchedule): string =>
  `schedule   ${schedule.scheduleId}: every ${formatDuration(schedule.intervalSeconds * 1000)}, ` +
  (schedule.paused ? 'paused' : `next run ${new Date(schedule.nextRunAtMs).toISOString()}`);

const COLUMNS = [
  ['aggregate', 20],
  ['streams', 9],
  ['snapshotted', 12],
  ['due', 7],
  ['stale', 7],
  ['slow', 6],
  ['tail mean', 10],
  ['tail max', 9],
  ['last snapshot', 24],
] as const;

const row = (cells: readonly (string | number)[]): string =>
  cells
    .map((cell, i) => String(cell).padEnd(COLUMNS[i]?.[1] ?? 0))
    .join(' ')
    .trimEnd();

const statsRow = (s: SnapshotStats): string =>
  row([
    s.aggregateType,
    s.streams,
    s.snapshotted,
    s.due,
    s.stale,
    s.slowLoads,
    s.tailMean,
    s.tailMax,
    s.lastSnapshotAtMs ? new Date(s.lastSnapshotAtMs).toISOString() : '-',
  ]);

const run = async (options: { aggregate?: string[]; wait?: boolean; json?: boolean }) =>
  withClient(async ({ operations: calls }) => {
    const { workflowId } = await calls.startSnapshots({ aggregateTypes: options.aggregate ?? [] });
    if (!options.wait) {
      if (options.json) printJson({ workflowId });
      else out(workflowId);
      return;
    }
    const bar = options.json ? undefined : createProgressBar(`snapshots ${workflowId}`);
    for (;;) {
      const current = await calls.getSnapshotRun({ workflowId });
      const progress = progressOf(current);
      const types = progress?.aggregates ?? [];
      const finished = types.filter((a) => a.done).length;
      const written = types.reduce((sum, a) => sum + a.written, 0);
      bar?.update(
        types.length ? finished / types.length : 0,
        `${progress?.current ?? current.stage}, ${written} written`,
      );
      if (current.workflowStatus !== 'RUNNING') {
        bar?.done(`snapshots ${workflowId}: ${current.stage}`);
        if (options.json) {
          printJson({ ...current, progressJson: undefined, progress });
        } else printRun(current);
        if (current.workflowStatus !== 'COMPLETED') process.exitCode = 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });

export const registerSnapshotsCommands = (program: Command): void => {
  const snapshots = program
    .command('snapshots')
    .description(
      "aggregate snapshots: a cache of folded state that keeps long streams fast to load (through the server's Operations API)",
    );
  examples(
    snapshots
      .command('run')
      .description("snapshot every stream past its aggregate type's policy now")
      .option(
        '--aggregate <type>',
        'only this aggregate type, e.g. work-order (repeatable)',
        collect,
      )
      .option(
        '--wait',
        'follow the run with a progress bar until it ends (exit 1 unless it completes)',
      )
      .option('--json', JSON_HELP)
      .action(action(run)),
    'hindsight snapshots run --aggregate work-order --wait',
  );
  snapshots
    .command('stats')
    .summary('snapshot statistics per aggregate type, and the schedule')
    .description(
      'per aggregate type: streams, how many have a valid snapshot, how many are due, stale ' +
        'snapshots, events after the snapshot; and the snapshot schedule',
    )
    .option('--aggregate <type>', 'only this aggregate type (repeatable)', collect)
    .option('--json', JSON_HELP)
    .action(
      action((options: { aggregate?: string[]; json?: boolean }) =>
        withClient(async ({ operations: calls }) => {
          const stats = await calls.getSnapshotStats({ aggregateTypes: options.aggregate ?? [] });
          if (options.json) {
            printJson(stats);
            return;
          }
          out(row(COLUMNS.map(([name]) => name)));
          stats.aggregates.forEach((s) => out(statsRow(s)));
          if (stats.schedule) out(scheduleLine(stats.schedule));
          else if (stats.scheduleError) out(`schedule   unknown: ${stats.scheduleError}`);
          else out('schedule   none (add one: hindsight snapshots schedule --every 15m)');
        }),
      ),
    );
  snapshots
    .command('schedule')
    .description(
      'run snapshots every interval, one run at a time (creates the schedule snapshot, or changes it)',
    )
    .requiredOption(
      '--every <duration>',
      "interval of at least a minute, e.g. '15m' or '1h'",
      usageParser((text: string) => durationMs('--every', text, 60_000) / 1000),
    )
    .option('--paused', 'keep the schedule paused')
    .option('--no-paused', 'make the schedule active')
    .option('--json', JSON_HELP)
    .addHelpText('after', exampleText('hindsight snapshots schedule --every 15m'))
    .action(
      action((options: { every: number; paused?: boolean; json?: boolean }) => {
        const intervalSeconds = options.every;
        return withClient(async ({ operations: calls }) => {
          const result = await calls.scheduleSnapshots({
            intervalSeconds,
            paused: options.paused,
          });
          if (options.json) printJson(result);
          else if (result.schedule) {
            out(
              `${result.created ? 'created' : 'changed'} ${scheduleLine(result.schedule).slice(11)}`,
            );
          }
        });
      }),
    );
};
