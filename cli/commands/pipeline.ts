import { Option, type Command } from 'commander';
import {
  Approval,
  PipelineStatus,
  type Pipeline,
  type TrainerSpec,
} from '../../gen/hindsight/v1/pipelines.js';
import { UsageError, action } from '../errors.js';
import { splitOptions } from './datasets.js';
import { parseNonNegativeInt } from '../format.js';
import { connectClient } from '../client.js';
import type { HindsightClient } from '../../sdk/client.js';
import { examples, JSON_HELP, JSON_LIST_HELP, out, printJson } from '../output.js';
import { createProgressBar, progressNote } from '../progressBar.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `name` or `name:{json params}`. */
const parseTrainer = (text: string): TrainerSpec => {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const params = colon < 0 ? '' : text.slice(colon + 1);
  if (params) {
    try {
      JSON.parse(params);
    } catch {
      throw new UsageError(`--trainer ${name}: the params after ':' are not JSON: ${params}`);
    }
  }
  return { name, paramsJson: Buffer.from(params), seed: 0 };
};

const STATUS_NAMES: Record<string, PipelineStatus> = {
  running: PipelineStatus.PIPELINE_STATUS_RUNNING,
  completed: PipelineStatus.PIPELINE_STATUS_COMPLETED,
  failed: PipelineStatus.PIPELINE_STATUS_FAILED,
  cancelled: PipelineStatus.PIPELINE_STATUS_CANCELLED,
  terminated: PipelineStatus.PIPELINE_STATUS_TERMINATED,
  timed_out: PipelineStatus.PIPELINE_STATUS_TIMED_OUT,
};

const statusName = (status: PipelineStatus): string =>
  Object.entries(STATUS_NAMES).find(([, value]) => value === status)?.[0] ?? 'unknown';

const json = (bytes: Buffer): unknown =>
  bytes.length ? (JSON.parse(bytes.toString()) as unknown) : null;

const asJson = (pipeline: Pipeline) => ({
  ...pipeline,
  status: statusName(pipeline.status),
  progressJson: undefined,
  resultJson: undefined,
  progress: json(pipeline.progressJson),
  result: json(pipeline.resultJson),
});

const printPipeline = (pipeline: Pipeline): void => {
  out(`pipeline   ${pipeline.pipelineId}`);
  out(
    `status     ${statusName(pipeline.status)} (stage ${pipeline.stage || '-'}, ${pipeline.percent}%)`,
  );
  out(`view       ${pipeline.view}`);
  const result = json(pipeline.resultJson) as {
    status?: string;
    dataset?: {
      digest: string;
      manifest: {
        rows: number;
        split?: Partial<Record<'train' | 'validation' | 'test' | 'purged' | 'immature', number>>;
      };
    } | null;
    trained?: { trainer: string; version: string; reused?: boolean }[];
    promotion?: {
      outcome: string;
      decidedBy: string;
      challengerVersion: string;
      reason: string;
    } | null;
    progress?: {
      note: string | null;
      evaluation?: {
        selected?: string;
        validationRows: number;
        decisionWindow?: string;
        decisionRows?: number;
        excludedRows?: number;
        interval?: {
          metric: string;
          confidence: number;
          gain: number;
          lower: number;
          upper: number;
        } | null;
      } | null;
    };
  } | null;
  if (result?.dataset) {
    const { rows, split } = result.dataset.manifest;
    const parts = (['train', 'validation', 'test', 'purged', 'immature'] as const)
      .filter((name) => split?.[name] !== undefined)
      .map((name) => `${split?.[name]} ${name}`);
    out(
      `dataset    ${result.dataset.digest} (${rows} rows${parts.length > 0 ? `: ${parts.join(', ')}` : ''})`,
    );
  }
  for (const trained of result?.trained ?? []) {
    out(
      `trained    ${trained.trainer} → version ${trained.version}` +
        (trained.reused ? ' (learnt from this dataset already: reused)' : ''),
    );
  }
  const evaluation = result?.progress?.evaluation;
  if (evaluation?.selected !== undefined) {
    out(
      `selected   version ${evaluation.selected} on ${evaluation.validationRows} validation rows; ` +
        `decided on ${evaluation.decisionRows ?? 0} ${evaluation.decisionWindow ?? 'test'} rows` +
        (evaluation.excludedRows
          ? ` (${evaluation.excludedRows} left out: the champion trained on them)`
          : ''),
    );
  }
  if (evaluation?.interval) {
    const { metric, confidence, gain, lower, upper } = evaluation.interval;
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
    out(
      `gain       ${metric} ${signed(gain)} (${Math.round(confidence * 100)}% interval ` +
        `${signed(lower)} to ${signed(upper)})`,
    );
  }
  if (result?.promotion) {
    const p = result.promotion;
    out(`promotion  version ${p.challengerVersion} ${p.outcome} by ${p.decidedBy}: ${p.reason}`);
  }
  if (result?.progress?.note) out(`note       ${result.progress.note}`);
  if (pipeline.failure) out(`failure    ${pipeline.failure}`);
};

const POLL_MS = 500;

const fetchPipeline = async (client: HindsightClient, pipelineId: string): Promise<Pipeline> => {
  const { pipeline } = await client.pipelines.getPipeline({ pipelineId });
  if (!pipeline) throw new Error(`pipeline ${pipelineId}: the server answered without it`);
  return pipeline;
};

/** The bar's detail: the stage, the trainers done while training. */
const stageDetail = (pipeline: Pipeline): string => {
  const progress = json(pipeline.progressJson) as {
    trainings?: { status: string }[];
  } | null;
  const trainings = progress?.trainings ?? [];
  const trained = trainings.filter((t) => t.status !== 'running').length;
  return pipeline.stage === 'training' && trainings.length
    ? `training (${trained}/${trainings.length} trainers done)`
    : pipeline.stage || 'starting';
};

/**
 * Follows a pipeline until it stops running: its progress query (stage and percent, through
 * GetPipeline) as a bar, unless `progress` is false. `review`: the pipeline may wait for one.
 */
const followPipeline = async (
  client: HindsightClient,
  pipelineId: string,
  { label, progress, review }: { label: string; progress: boolean; review: boolean },
): Promise<Pipeline> => {
  const bar = progress ? createProgressBar(label) : undefined;
  for (;;) {
    const current = await fetchPipeline(client, pipelineId);
    const waiting = review && current.stage === 'promoting';
    bar?.update(
      current.percent / 100,
      `${stageDetail(current)}${waiting ? ` (approve: hindsight pipeline approve ${pipelineId} --reviewer … --reason …)` : ''}`,
    );
    if (current.status !== PipelineStatus.PIPELINE_STATUS_RUNNING) {
      bar?.done(`${label}: ${statusName(current.status)}`);
      return current;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
};

/** Prints the pipeline; exit 1 unless it completed. */
const finish = (pipeline: Pipeline, json: boolean | undefined): void => {
  if (json) printJson(asJson(pipeline));
  else printPipeline(pipeline);
  if (pipeline.status !== PipelineStatus.PIPELINE_STATUS_COMPLETED) process.exitCode = 1;
};

interface RunOptions {
  model?: string;
  trainer?: string[];
  rules?: string;
  approval: 'none' | 'required';
  force?: boolean;
  id?: string;
  wait: boolean;
  json?: boolean;
  validationFraction?: string;
  testFraction?: string;
  purge: boolean;
}

const run = async (view: string, options: RunOptions) => {
  const trainers = (options.trainer ?? []).map(parseTrainer);
  const split = splitOptions(options);
  if (options.rules !== undefined) {
    try {
      JSON.parse(options.rules);
    } catch {
      throw new UsageError(`--rules takes promotion rules as JSON, got '${options.rules}'`);
    }
  }
  const client = connectClient();
  try {
    const { pipelineId } = await client.pipelines.startPipeline({
      view,
      modelName: options.model ?? '',
      trainers,
      rulesJson: Buffer.from(options.rules ?? ''),
      approval:
        options.approval === 'required' ? Approval.APPROVAL_REQUIRED : Approval.APPROVAL_NONE,
      approvalTimeoutMs: 0,
      force: options.force ?? false,
      pipelineId: options.id ?? '',
      ...split,
    });
    if (!options.wait) {
      if (options.json) printJson({ pipelineId });
      else out(pipelineId);
      return;
    }
    if (!options.json) progressNote(`started ${pipelineId}`);
    const done = await followPipeline(client, pipelineId, {
      label: `pipeline ${view}`,
      progress: !options.json,
      review: options.approval === 'required',
    });
    finish(done, options.json);
  } finally {
    client.close();
  }
};

const status = async (pipelineId: string, options: { wait?: boolean; json?: boolean }) => {
  const client = connectClient();
  try {
    if (!options.wait) {
      const found = await fetchPipeline(client, pipelineId);
      if (options.json) printJson(asJson(found));
      else printPipeline(found);
      return;
    }
    const done = await followPipeline(client, pipelineId, {
      label: `pipeline ${pipelineId}`,
      progress: !options.json,
      review: false,
    });
    finish(done, options.json);
  } finally {
    client.close();
  }
};

const list = async (options: { view?: string; status?: string; limit: string; json?: boolean }) => {
  const wanted = options.status === undefined ? 0 : (STATUS_NAMES[options.status] ?? 0);
  const pageSize = Math.max(1, parseNonNegativeInt(options.limit, '--limit'));
  const client = connectClient();
  try {
    const { pipelines } = await client.pipelines.listPipelines({
      view: options.view ?? '',
      status: wanted,
      pageSize,
      pageToken: Buffer.alloc(0),
    });
    if (options.json) {
      printJson(pipelines.map(asJson));
      return;
    }
    for (const p of pipelines) {
      out(
        `${p.pipelineId.padEnd(60)} ${statusName(p.status).padEnd(10)} ${(p.stage || '-').padEnd(10)} ${new Date(p.startedAtMs).toISOString()}`,
      );
    }
  } finally {
    client.close();
  }
};

const review = (kind: 'approvePromotion' | 'rejectPromotion') =>
  action(
    async (pipelineId: string, options: { reviewer: string; reason: string; json?: boolean }) => {
      const client = connectClient();
      try {
        const response = await client.pipelines[kind]({
          pipelineId,
          reviewer: options.reviewer,
          reason: options.reason,
        });
        const decision = kind === 'approvePromotion' ? 'approved' : 'rejected';
        if (options.json) {
          printJson({ pipelineId, decision, promotion: json(response.promotionJson) });
        } else out(decision);
      } finally {
        client.close();
      }
    },
  );

export const registerPipelineCommands = (program: Command): void => {
  const pipeline = program
    .command('pipeline')
    .description("retraining pipelines (through the server's Pipelines API)");
  examples(
    pipeline
      .command('run')
      .description(
        'start RetrainingPipeline for a view and follow its progress (stage and percent) until it ends; exits 1 unless it completes',
      )
      .argument('<view>', 'feature view, e.g. work_order_overrun')
      .option('--model <name>', 'registered model (default: the view)')
      .option(
        '--trainer <name[:json]>',
        'a trainer, repeatable, e.g. random_forest:{"trees":50}',
        collect,
      )
      .option('--rules <json>', 'promotion rules as JSON')
      .addOption(
        new Option('--approval <mode>', 'wait for a reviewer before promoting')
          .choices(['none', 'required'])
          .default('none'),
      )
      .option(
        '--validation-fraction <fraction>',
        "share of the dataset's usable rows in the validation window (selects the model)",
        '0.2',
      )
      .option(
        '--test-fraction <fraction>',
        'share in the test window, the newest rows (decides the promotion; 0 for none)',
        '0.2',
      )
      .option('--no-purge', 'keep rows whose outcome came in a later window')
      .option(
        '--force',
        'go on even when the newest version learnt from this very dataset (a trainer configuration already trained on it is reused, never registered twice)',
      )
      .option('--id <pipeline-id>', 'the pipeline id (default: generated)')
      .option('--no-wait', 'print the pipeline id and return at once')
      .option('--json', JSON_HELP)
      .action(action(run)),
    'hindsight pipeline run work_order_overrun --trainer random_forest --force',
    'hindsight pipeline run work_order_overrun --approval required --no-wait --json',
  ).addHelpText(
    'after',
    '\nCtrl-C stops following, not the pipeline; follow it again with\n' +
      '`hindsight pipeline status <pipeline-id> --wait`.',
  );
  examples(
    pipeline
      .command('status')
      .description("a pipeline's status, stage, progress and result")
      .argument('<pipeline-id>', 'the id `pipeline run` printed')
      .option('--wait', 'follow it with a progress bar until it ends; exits 1 unless it completes')
      .option('--json', JSON_HELP)
      .action(action(status)),
    'hindsight pipeline status pipeline-work_order_overrun-1f0c… --json',
  );
  examples(
    pipeline
      .command('list')
      .description('pipelines, newest first')
      .option('--view <view>', "only this view's")
      .addOption(
        new Option('--status <status>', 'only those with this status').choices(
          Object.keys(STATUS_NAMES),
        ),
      )
      .option('--limit <n>', 'at most this many', '20')
      .option('--json', JSON_LIST_HELP)
      .action(action(list)),
    'hindsight pipeline list --view work_order_overrun --status running',
  );
  for (const [name, kind] of [
    ['approve', 'approvePromotion'],
    ['reject', 'rejectPromotion'],
  ] as const) {
    examples(
      pipeline
        .command(name)
        .description(`${name} the promotion a pipeline (run with --approval required) waits on`)
        .argument('<pipeline-id>', 'the pipeline that waits')
        .requiredOption('--reviewer <name>', 'who decides')
        .requiredOption('--reason <text>', 'why')
        .option('--json', JSON_HELP)
        .action(review(kind)),
      `hindsight pipeline ${name} pipeline-work_order_overrun-1f0c… --reviewer ada --reason 'checked the lift'`,
    );
  }
};
