// `hindsight schedule`: Temporal Schedules that start RetrainingPipeline for a view.
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import {
  createPipelineSchedules,
  type PipelineScheduleSpec,
  type PipelineScheduleSummary,
  type PipelineSchedules,
} from '../../services/schedules/index.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import { UsageError, action } from '../errors.js';
import { withTemporalClient } from '../temporalClient.js';

interface CreateOptions {
  every?: string;
  offset?: string;
  cron?: string;
  id?: string;
  model?: string;
  trainer: string[];
  approval?: string;
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
  process.stdout.write(
    `${s.id}  ${s.view ?? '?'}  ${s.spec}  ${s.paused ? 'paused' : 'active'}` +
      `  next ${s.paused ? '-' : (s.nextActionTimes[0] ?? '-')}  last ${last?.workflowId ?? '-'}` +
      `${s.running.length ? `  running ${s.running.length}` : ''}${s.note ? `  (${s.note})` : ''}\n`,
  );
};

const inputOf = (view: string, options: CreateOptions): PipelineInput => {
  if (options.approval !== undefined && !['none', 'required'].includes(options.approval)) {
    throw new UsageError(`--approval takes none or required, got '${options.approval}'`);
  }
  return {
    view,
    ...(options.model === undefined ? {} : { modelName: options.model }),
    ...(options.trainer.length ? { trainers: options.trainer.map((name) => ({ name })) } : {}),
    ...(options.approval === undefined
      ? {}
      : { approval: options.approval as 'none' | 'required' }),
  };
};

export const registerScheduleCommands = (program: Command): void => {
  const schedule = program
    .command('schedule')
    .description('Temporal Schedules that run the retraining pipeline (one run at a time)');
  schedule
    .command('create')
    .description('schedule RetrainingPipeline for a feature view, by interval or cron (UTC)')
    .argument('<view>', 'feature view, e.g. work_order_overrun')
    .option('--every <duration>', "interval, e.g. '6h' or '90s'")
    .option('--offset <duration>', 'offset of the interval from the epoch, e.g. 30m')
    .option('--cron <expr>', "5-field cron, e.g. '0 3 * * *'")
    .option('--id <id>', 'schedule id (default retrain-<view>)')
    .option('--model <name>', 'registered model (default: the view)')
    .option('--trainer <name>', 'a trainer; repeat for several', collect, [])
    .option('--approval <mode>', 'none or required (a person approves each promotion)')
    .option('--catchup-window <duration>', 'how late a missed run may still start', '1m')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note on the schedule')
    .option('--json', 'print the schedule as JSON')
    .action(
      action(async (view: string, options: CreateOptions) => {
        if ((options.every === undefined) === (options.cron === undefined)) {
          throw new UsageError('give either --every <duration> or --cron <expr>');
        }
        const spec: PipelineScheduleSpec =
          options.cron === undefined
            ? { every: options.every ?? '', ...(options.offset ? { offset: options.offset } : {}) }
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
        if (options.json) process.stdout.write(`${JSON.stringify(created)}\n`);
        else printSummary(created);
      }),
    );
  schedule
    .command('list')
    .description('the pipeline schedules')
    .option('--view <view>', 'only those of this feature view')
    .option('--json', 'print them as JSON')
    .action(
      action(async (options: { view?: string; json?: boolean }) => {
        const found = await withSchedules((schedules) =>
          schedules.list(options.view === undefined ? {} : { view: options.view }),
        );
        if (options.json) process.stdout.write(`${JSON.stringify(found)}\n`);
        else found.forEach(printSummary);
      }),
    );
  schedule
    .command('describe')
    .description('one schedule as JSON: spec, state, recent and running pipelines')
    .argument('<id>')
    .action(
      action(async (id: string) => {
        const found = await withSchedules((schedules) => schedules.describe(id));
        process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      }),
    );
  for (const verb of ['pause', 'unpause'] as const) {
    schedule
      .command(verb)
      .description(`${verb} a schedule`)
      .argument('<id>')
      .option('--note <text>', 'why, shown by list')
      .action(
        action(async (id: string, options: { note?: string }) => {
          await withSchedules((schedules) => schedules[verb](id, options.note));
        }),
      );
  }
  schedule
    .command('trigger')
    .description('start a pipeline now, unless one of this schedule is still running')
    .argument('<id>')
    .action(action((id: string) => withSchedules((schedules) => schedules.trigger(id))));
  schedule
    .command('delete')
    .description('delete a schedule (pipelines it started go on)')
    .argument('<id>')
    .action(action((id: string) => withSchedules((schedules) => schedules.delete(id))));
};
