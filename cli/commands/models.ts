import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import type {
  GetModelRequest,
  GetModelResponse,
  ListModelsRequest,
  ListModelsResponse,
  ModelsClient,
} from '../../gen/hindsight/v1/models.js';
import { action } from '../errors.js';
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
};
