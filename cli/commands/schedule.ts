// `hindsight schedule`: Temporal Schedules that start RetrainingPipeline for a view.
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import {
  createPipelineSchedules,
  type PipelineScheduleSpec,
  type PipelineScheduleSummary,
  type PipelineSchedules,
} from '../../services/schedules/index.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import { UsageError, action } from '../errors.js';
import { examples, JSON_HELP, JSON_LIST_HELP, out, printJson } from '../output.js';
import { withTemporalClient } from '../../runtime/temporalClient.js';

interface CreateOptions {
  every?: string;
  offset?: string;
  cron?: string;
  id?: string;
  model?: string;
  trainer: string[];
  approval?: 'none' | 'required';
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const withSchedules = <T>(use: (schedules: PipelineSchedules) => Promise<T>): Promise<T> => {
  const config = loadConfig();
  return withTemporalClient(config, (client) =>
    use(createPipelineSchedules(client.schedule, { taskQueue: config.HINDSIGHT_TASK_QUEUE })),
  );
};

const printSummary = (s: PipelineScheduleSummary): void => {
  const last = s.recentActions.at(-1);
  out(
    `${s.id}  ${s.view ?? '?'}  ${s.spec}  ${s.paused ? 'paused' : 'active'}` +
      `  next ${s.paused ? '-' : (s.nextActionTimes[0] ?? '-')}  last ${last?.workflowId ?? '-'}` +
      `${s.running.length ? `  running ${s.running.length}` : ''}${s.note ? `  (${s.note})` : ''}`,
  );
};

const printDescription = (s: PipelineScheduleSummary): void => {
  out(`schedule   ${s.id}`);
  out(`view       ${s.view ?? '-'}`);
  out(`spec       ${s.spec} (catch-up window ${s.catchupWindowMs / 1000} s)`);
  out(`state      ${s.paused ? 'paused' : 'active'}${s.note ? ` (${s.note})` : ''}`);
  out(`runs       ${s.actionsTaken} started, ${s.skippedOverlap} skipped (one was still running)`);
  out(`next       ${s.paused ? '-' : s.nextActionTimes.join(', ') || '-'}`);
  for (const id of s.running) out(`running    ${id}`);
  for (const r of s.recentActions) out(`recent     ${r.workflowId} (scheduled ${r.scheduledAt})`);
};

const ID_HELP = 'schedule id, e.g. pipeline-work_order_overrun (see `hindsight schedule list`)';

const inputOf = (view: string, options: CreateOptions): PipelineInput => {
  return {
    view,
    ...(options.model === undefined ? {} : { modelName: options.model }),
    ...(options.trainer.length ? { trainers: options.trainer.map((name) => ({ name })) } : {}),
    ...(options.approval === undefined ? {} : { approval: options.approval }),
  };
};

export const registerScheduleCommands = (program: Command): void => {
  const schedule = program
    .command('schedule')
    .description(
      'Temporal Schedules that run the retraining pipeline (one run at a time; through Temporal)',
    );
  examples(
    schedule
      .command('create')
      .description('schedule RetrainingPipeline for a feature view, by interval or cron (UTC)')
      .argument('<view>', 'feature view, e.g. work_order_overrun')
      .option('--every <duration>', "interval, e.g. '6h' or '90s' (or --cron)")
      .option('--offset <duration>', 'offset of the interval from the epoch, e.g. 30m')
      .option('--cron <expr>', "5-field cron, e.g. '0 3 * * *' (or --every)")
      .option('--id <id>', 'schedule id (default pipeline-<view>)')
      .option('--model <name>', 'registered model (default: the view)')
      .option('--trainer <name>', 'a trainer; repeat for several', collect, [])
      .addOption(
        new Option('--approval <mode>', 'a person approves each promotion, or not').choices([
          'none',
          'required',
        ]),
      )
      .option('--catchup-window <duration>', 'how late a missed run may still start', '1m')
      .option('--paused', 'create it paused')
      .option('--note <text>', 'a note on the schedule')
      .option('--json', JSON_HELP)
      .action(
        action(async (view: string, options: CreateOptions) => {
          if ((options.every === undefined) === (options.cron === undefined)) {
            throw new UsageError('give either --every <duration> or --cron <expr>');
          }
          const spec: PipelineScheduleSpec =
            options.cron === undefined
              ? {
                  every: options.every ?? '',
                  ...(options.offset ? { offset: options.offset } : {}),
                }
              : { cron: options.cron };
          const created = await withSchedules((schedules) =>
            schedules.create({
              input: inputOf(view, options),
              spec,
              ...(options.id === undefined ? {} : { id: options.id }),
              ...(options.catchupWindow === undefined
                ? {}
                : { catchupWindow: options.catchupWindow }),
              ...(options.paused ? { paused: true } : {}),
              ...(options.note === undefined ? {} : { note: options.note }),
            }),
          );
          if (options.json) printJson(created);
          else printSummary(created);
        }),
      ),
    'hindsight schedule create work_order_overrun --every 6h --trainer random_forest',
    "hindsight schedule create work_order_overrun --cron '0 3 * * *' --approval required --paused",
  );
  schedule
    .command('list')
    .description('the pipeline schedules')
    .option('--view <view>', 'only those of this feature view')
    .option('--json', JSON_LIST_HELP)
    .action(
      action(async (options: { view?: string; json?: boolean }) => {
        const found = await withSchedules((schedules) =>
          schedules.list(options.view === undefined ? {} : { view: options.view }),
        );
        if (options.json) printJson(found);
        else found.forEach(printSummary);
      }),
    );
  schedule
    .command('describe')
    .description('one schedule: spec, state, next runs, recent and running pipelines')
    .argument('<id>', ID_HELP)
    .option('--json', JSON_HELP)
    .action(
      action(async (id: string, options: { json?: boolean }) => {
        const found = await withSchedules((schedules) => schedules.describe(id));
        if (options.json) printJson(found);
        else printDescription(found);
      }),
    );
  for (const verb of ['pause', 'unpause'] as const) {
    schedule
      .command(verb)
      .description(`${verb} a schedule`)
      .argument('<id>', ID_HELP)
      .option('--note <text>', 'why, shown by list')
      .option('--json', JSON_HELP)
      .action(
        action(async (id: string, options: { note?: string; json?: boolean }) => {
          await withSchedules((schedules) => schedules[verb](id, options.note));
          if (options.json) printJson({ id, paused: verb === 'pause' });
          else out(`${verb}d ${id}`);
        }),
      );
  }
  schedule
    .command('trigger')
    .description('start a pipeline now, unless one of this schedule is still running')
    .argument('<id>', ID_HELP)
    .option('--json', JSON_HELP)
    .action(
      action(async (id: string, options: { json?: boolean }) => {
        await withSchedules((schedules) => schedules.trigger(id));
        if (options.json) printJson({ id, triggered: true });
        else out(`triggered ${id} (skipped if a run of it is still going)`);
      }),
    );
  schedule
    .command('delete')
    .description('delete a schedule (pipelines it started go on)')
    .argument('<id>', ID_HELP)
    .option('--json', JSON_HELP)
    .action(
      action(async (id: string, options: { json?: boolean }) => {
        await withSchedules((schedules) => schedules.delete(id));
        if (options.json) printJson({ id, deleted: true });
        else out(`deleted ${id}`);
      }),
    );
};
