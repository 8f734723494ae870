import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import type {
  GetModelRequest,
  GetModelResponse,
  ListModelsRequest,
  GetLiveEvaluationRequest,
  GetLiveEvaluationResponse,
  ListModelsResponse,
  ModelsClient,
  PredictRequest,
  PredictResponse,
  StartBatchScoringRequest,
  StartBatchScoringResponse,
  StartLiveEvaluationRequest,
  StartLiveEvaluationResponse,
  StopLiveEvaluationRequest,
  StopLiveEvaluationResponse,
} from '../../gen/hindsight/v1/models.js';
import { action, UsageError } from '../errors.js';
import { createModelsClient, unary } from '../grpcClient.js';

const connect = (): ModelsClient => {
  const config = loadConfig();
  return createModelsClient({
    address: config.HINDSIGHT_SERVER,
    apiToken: config.HINDSIGHT_API_TOKEN,
    caFile: config.HINDSIGHT_TLS_CA_FILE,
  });
};

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

/** A whole number of milliseconds, at least one. */
const integerOption =
  (flag: string) =>
  (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`${flag} takes a whole number of milliseconds, got '${text}'`);
    }
    return Number(text);
  };

export const registerModelsCommands = (program: Command): void => {
  const models = program
    .command('models')
    .description('registered models, champions, alias history');
  models
    .command('list')
    .description('every registered model with its champion')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (options: { json?: boolean }) => {
        const client = connect();
        try {
          const { models: found } = await unary<ListModelsRequest, ListModelsResponse>(
            client.listModels.bind(client),
            {},
          );
          for (const m of found) {
            out(
              options.json
                ? JSON.stringify(m)
                : `${m.name.padEnd(40)} champion ${m.championVersion || '-'}  latest ${m.latestVersion || '-'}`,
            );
          }
        } finally {
          client.close();
        }
      }),
    );
  models
    .command('show')
    .description('a model: versions with lineage and metrics, the champion, the alias history')
    .argument('<name>')
    .option('--json', 'print it as JSON')
    .action(
      action(async (name: string, options: { json?: boolean }) => {
        const client = connect();
        try {
          const model = await unary<GetModelRequest, GetModelResponse>(
            client.getModel.bind(client),
            { name },
          );
          if (options.json) {
            out(
              JSON.stringify({
                ...model,
                versions: model.versions.map(({ metricsJson, ...v }) => ({
                  ...v,
                  metrics: JSON.parse(metricsJson.toString() || '{}') as unknown,
                })),
              }),
            );
            return;
          }
          out(`model      ${model.name}`);
          out(`champion   ${model.championVersion || 'none'}`);
          for (const v of model.versions) {
            const metrics = JSON.parse(v.metricsJson.toString() || '{}') as Record<string, number>;
            const auc = metrics.val_roc_auc === undefined ? '-' : metrics.val_roc_auc.toFixed(4);
            out(
              `v${v.version.padEnd(4)} ${v.trainer.padEnd(20)} val AUC ${auc}  dataset ${v.datasetDigest.slice(0, 12)} cut ${v.cut}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}`,
            );
          }
          out('alias history:');
          for (const h of model.aliasHistory) {
            out(
              `  ${new Date(h.atMs).toISOString()}  v${h.fromVersion || '-'} → v${h.toVersion} ${h.outcome} by ${h.decidedBy}${h.reviewer ? ` (${h.reviewer})` : ''}: ${h.reason}`,
            );
          }
        } finally {
          client.close();
        }
      }),
    );
  models
    .command('predict')
    .description("score an entity with the model's champion, on its features as of now")
    .argument('<model>')
    .argument('<entity>')
    .option('--id <uuid>', 'prediction id: a retry with the same id returns the first result')
    .option(
      '--as-of <ms>',
      'the business time of the features (default now)',
      integerOption('--as-of'),
    )
    .option('--json', 'print the prediction as JSON')
    .action(
      action(
        async (
          model: string,
          entity: string,
          options: { id?: string; asOf?: number; json?: boolean },
        ) => {
          const client = connect();
          try {
            const p = await unary<PredictRequest, PredictResponse>(client.predict.bind(client), {
              modelName: model,
              entityId: entity,
              predictionId: options.id ?? '',
              asOfMs: options.asOf ?? 0,
            });
            const features = JSON.parse(p.featuresJson.toString() || '{}') as Record<
              string,
              unknown
            >;
            if (options.json) {
              out(JSON.stringify({ ...p, featuresJson: undefined, features }));
              return;
            }
            out(`${p.entityId}: ${p.score.toFixed(4)} by ${p.modelName} v${p.modelVersion}`);
            out(`prediction ${p.predictionId}${p.replayed ? ' (made before)' : ''}`);
            out(
              `log position ${p.logTransactionId}/${p.logGlobalPosition}, features ${p.featuresDigest.slice(0, 12)}`,
            );
            for (const [name, value] of Object.entries(features))
              out(`  ${name.padEnd(26)} ${String(value)}`);
          } finally {
            client.close();
          }
        },
      ),
    );
  const live = models
    .command('live')
    .description("live evaluation of a model's predictions against the outcomes that follow");
  live
    .command('start')
    .description('start following the model (LiveEvaluationWorkflow)')
    .argument('<model>')
    .requiredOption('--view <name>', 'the feature view whose labels are the outcomes')
    .option('--window <ms>', 'window length in ms (default 1 h)', integerOption('--window'))
    .option('--horizon <ms>', 'label horizon in ms (default 24 h)', integerOption('--horizon'))
    .option('--policy <json>', 'degradation policy as JSON; "null" never retrains')
    .action(
      action(
        async (
          model: string,
          options: { view: string; window?: number; horizon?: number; policy?: string },
        ) => {
          const client = connect();
          try {
            const { workflowId } = await unary<
              StartLiveEvaluationRequest,
              StartLiveEvaluationResponse
            >(client.startLiveEvaluation.bind(client), {
              modelName: model,
              view: options.view,
              windowMs: options.window ?? 0,
              labelHorizonMs: options.horizon ?? 0,
              policyJson: Buffer.from(options.policy ?? ''),
              retrainingJson: Buffer.alloc(0),
            });
            out(`started ${workflowId}`);
          } finally {
            client.close();
          }
        },
      ),
    );
  live
    .command('status')
    .description('windows evaluated, their figures, degradation and retrainings')
    .argument('<model>')
    .option('--json', 'print the status as JSON')
    .action(
      action(async (model: string, options: { json?: boolean }) => {
        const client = connect();
        try {
          const response = await unary<GetLiveEvaluationRequest, GetLiveEvaluationResponse>(
            client.getLiveEvaluation.bind(client),
            { modelName: model },
          );
          const status = JSON.parse(response.statusJson.toString() || 'null') as {
            totals?: Record<string, number>;
            recent?: {
              index: number;
              start: number;
              versions: {
                modelVersion: string;
                labelled: number;
                rocAuc: number | null;
                logLoss: number | null;
              }[];
            }[];
            lastDecision?: { reason: string } | null;
            championVersion?: string | null;
          } | null;
          if (options.json) {
            out(
              JSON.stringify({
                workflowId: response.workflowId,
                workflowStatus: response.workflowStatus,
                status,
              }),
            );
            return;
          }
          out(
            `${response.workflowId}: ${response.workflowStatus}, champion v${status?.championVersion ?? '-'}`,
          );
          if (status?.totals) out(`totals ${JSON.stringify(status.totals)}`);
          for (const w of status?.recent?.slice(-12) ?? []) {
            for (const v of w.versions) {
              out(
                `  ${new Date(w.start).toISOString()} v${v.modelVersion.padEnd(4)} labelled ${String(v.labelled).padStart(6)}  AUC ${v.rocAuc?.toFixed(4) ?? '-'}  log loss ${v.logLoss?.toFixed(4) ?? '-'}`,
              );
            }
          }
          if (status?.lastDecision) out(`last decision: ${status.lastDecision.reason}`);
        } finally {
          client.close();
        }
      }),
    );
  live
    .command('stop')
    .description('stop the live evaluation after the step in progress')
    .argument('<model>')
    .action(
      action(async (model: string) => {
        const client = connect();
        try {
          await unary<StopLiveEvaluationRequest, StopLiveEvaluationResponse>(
            client.stopLiveEvaluation.bind(client),
            { modelName: model },
          );
          out(`stopping the live evaluation of ${model}`);
        } finally {
          client.close();
        }
      }),
    );
  models
    .command('score')
    .description('score every open entity with the champion: one batch now, or a schedule')
    .argument('<model>')
    .option(
      '--every <seconds>',
      'put the model schedule instead (at least 60)',
      integerOption('--every'),
    )
    .option('--paused', 'with --every: the schedule starts paused')
    .option('--json', 'print the answer as JSON')
    .action(
      action(
        async (model: string, options: { every?: number; paused?: boolean; json?: boolean }) => {
          const client = connect();
          try {
            const response = await unary<StartBatchScoringRequest, StartBatchScoringResponse>(
              client.startBatchScoring.bind(client),
              {
                modelName: model,
                intervalSeconds: options.every ?? 0,
                paused: options.paused ?? false,
              },
            );
            if (options.json) out(JSON.stringify(response));
            else if (response.workflowId) out(`started batch ${response.workflowId}`);
            else {
              out(
                `${response.created ? 'created' : 'updated'} schedule ${response.scheduleId}: every ` +
                  `${response.intervalSeconds} s, ` +
                  (response.nextRunAtMs
                    ? `next ${new Date(response.nextRunAtMs).toISOString()}`
                    : 'paused'),
              );
            }
          } finally {
            client.close();
          }
        },
      ),
    );
};
