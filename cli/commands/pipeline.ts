import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import {
  Approval,
  PipelineStatus,
  type Pipeline,
  type PipelinesClient,
  type ApprovePromotionRequest,
  type ApprovePromotionResponse,
  type GetPipelineRequest,
  type GetPipelineResponse,
  type ListPipelinesRequest,
  type ListPipelinesResponse,
  type StartPipelineRequest,
  type StartPipelineResponse,
  type TrainerSpec,
} from '../../gen/hindsight/v1/pipelines.js';
import { UsageError, action } from '../errors.js';
import { parseNonNegativeInt } from '../format.js';
import { createPipelinesClient, unary } from '../grpcClient.js';
import { createProgressBar } from '../progressBar.js';

const connect = (): PipelinesClient => {
  const config = loadConfig();
  return createPipelinesClient({
    address: config.HINDSIGHT_SERVER,
    apiToken: config.HINDSIGHT_API_TOKEN,
    caFile: config.HINDSIGHT_TLS_CA_FILE,
  });
};

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
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`pipeline   ${pipeline.pipelineId}`);
  out(
    `status     ${statusName(pipeline.status)} (stage ${pipeline.stage || '-'}, ${pipeline.percent}%)`,
  );
  out(`view       ${pipeline.view}`);
  const result = json(pipeline.resultJson) as {
    status?: string;
    dataset?: { digest: string; manifest: { rows: number } } | null;
    trained?: { trainer: string; version: string }[];
    promotion?: {
      outcome: string;
      decidedBy: string;
      challengerVersion: string;
      reason: string;
    } | null;
    progress?: { note: string | null };
  } | null;
  if (result?.dataset)
    out(`dataset    ${result.dataset.digest} (${result.dataset.manifest.rows} rows)`);
  for (const trained of result?.trained ?? [])
    out(`trained    ${trained.trainer} → version ${trained.version}`);
  if (result?.promotion) {
    const p = result.promotion;
    out(`promotion  version ${p.challengerVersion} ${p.outcome} by ${p.decidedBy}: ${p.reason}`);
  }
  if (result?.progress?.note) out(`note       ${result.progress.note}`);
  if (pipeline.failure) out(`failure    ${pipeline.failure}`);
};

const review = (kind: 'approvePromotion' | 'rejectPromotion') =>
  action(async (pipelineId: string, options: { reviewer: string; reason: string }) => {
    const client = connect();
    try {
      await unary<ApprovePromotionRequest, ApprovePromotionResponse>(client[kind].bind(client), {
        pipelineId,
        reviewer: options.reviewer,
        reason: options.reason,
      });
      process.stdout.write(`${kind === 'approvePromotion' ? 'approved' : 'rejected'}\n`);
    } finally {
      client.close();
    }
  });

export const registerPipelineCommands = (program: Command): void => {
  const pipeline = program
    .command('pipeline')
    .description("retraining pipelines (through the server's Pipelines API)");
  pipeline
    .command('run')
    .description('start RetrainingPipeline for a view and follow it with a progress bar')
    .argument('<view>', 'feature view, e.g. work_order_overrun')
    .option('--model <name>', 'registered model (default: the view)')
    .option(
      '--trainer <name[:json]>',
      'a trainer, repeatable, e.g. random_forest:{"trees":50}',
      collect,
    )
    .option('--rules <json>', 'promotion rules as JSON')
    .option('--approval <none|required>', 'wait for a reviewer before promoting', 'none')
    .option('--force', 'train even when the dataset is unchanged')
    .option('--id <pipeline id>', 'the pipeline id (default: generated)')
    .option('--no-wait', 'print the pipeline id and return at once')
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          view: string,
          options: {
            model?: string;
            trainer?: string[];
            rules?: string;
            approval: string;
            force?: boolean;
            id?: string;
            wait: boolean;
            json?: boolean;
          },
        ) => {
          if (options.approval !== 'none' && options.approval !== 'required') {
            throw new UsageError(`--approval takes none or required, got '${options.approval}'`);
          }
          const client = connect();
          try {
            const { pipelineId } = await unary<StartPipelineRequest, StartPipelineResponse>(
              client.startPipeline.bind(client),
              {
                view,
                modelName: options.model ?? '',
                trainers: (options.trainer ?? []).map(parseTrainer),
                rulesJson: Buffer.from(options.rules ?? ''),
                approval:
                  options.approval === 'required'
                    ? Approval.APPROVAL_REQUIRED
                    : Approval.APPROVAL_NONE,
                approvalTimeoutMs: 0,
                force: options.force ?? false,
                pipelineId: options.id ?? '',
              },
            );
            if (!options.wait) {
              process.stdout.write(
                options.json ? `${JSON.stringify({ pipelineId })}\n` : `${pipelineId}\n`,
              );
              return;
            }
            const bar = options.json ? undefined : createProgressBar(`pipeline ${view}`);
            let current: Pipeline | undefined;
            for (;;) {
              current = (
                await unary<GetPipelineRequest, GetPipelineResponse>(
                  client.getPipeline.bind(client),
                  {
                    pipelineId,
                  },
                )
              ).pipeline;
              if (!current) throw new Error(`pipeline ${pipelineId} vanished`);
              const waiting = current.stage === 'promoting' && options.approval === 'required';
              bar?.update(
                current.percent / 100,
                `${current.stage}${waiting ? ` (approve: hindsight pipeline approve ${pipelineId} --reviewer … --reason …)` : ''}`,
              );
              if (current.status !== PipelineStatus.PIPELINE_STATUS_RUNNING) break;
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
            bar?.done(`pipeline ${view}: ${statusName(current.status)}`);
            if (options.json) process.stdout.write(`${JSON.stringify(asJson(current))}\n`);
            else printPipeline(current);
            if (current.status !== PipelineStatus.PIPELINE_STATUS_COMPLETED) process.exitCode = 1;
          } finally {
            client.close();
          }
        },
      ),
    );
  pipeline
    .command('status')
    .description("a pipeline's status, stage, progress and result")
    .argument('<pipeline id>')
    .option('--json', 'print it as JSON')
    .action(
      action(async (pipelineId: string, options: { json?: boolean }) => {
        const client = connect();
        try {
          const { pipeline: found } = await unary<GetPipelineRequest, GetPipelineResponse>(
            client.getPipeline.bind(client),
            { pipelineId },
          );
          if (!found) return;
          if (options.json) process.stdout.write(`${JSON.stringify(asJson(found))}\n`);
          else printPipeline(found);
        } finally {
          client.close();
        }
      }),
    );
  pipeline
    .command('list')
    .description('pipelines, newest first')
    .option('--view <view>', "only this view's")
    .option('--status <status>', `only these: ${Object.keys(STATUS_NAMES).join(', ')}`)
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (options: { view?: string; status?: string; limit: string; json?: boolean }) => {
        const status = options.status === undefined ? 0 : STATUS_NAMES[options.status];
        if (status === undefined) {
          throw new UsageError(
            `--status takes ${Object.keys(STATUS_NAMES).join(', ')}, got '${options.status}'`,
          );
        }
        const client = connect();
        try {
          const { pipelines } = await unary<ListPipelinesRequest, ListPipelinesResponse>(
            client.listPipelines.bind(client),
            {
              view: options.view ?? '',
              status,
              pageSize: Math.max(1, parseNonNegativeInt(options.limit, '--limit')),
              pageToken: Buffer.alloc(0),
            },
          );
          for (const p of pipelines) {
            process.stdout.write(
              options.json
                ? `${JSON.stringify(asJson(p))}\n`
                : `${p.pipelineId.padEnd(60)} ${statusName(p.status).padEnd(10)} ${(p.stage || '-').padEnd(10)} ${new Date(p.startedAtMs).toISOString()}\n`,
            );
          }
        } finally {
          client.close();
        }
      }),
    );
  for (const [name, kind] of [
    ['approve', 'approvePromotion'],
    ['reject', 'rejectPromotion'],
  ] as const) {
    pipeline
      .command(name)
      .description(`${name} the promotion a pipeline waits on`)
      .argument('<pipeline id>')
      .requiredOption('--reviewer <name>', 'who decides')
      .requiredOption('--reason <text>', 'why')
      .action(review(kind));
  }
};
