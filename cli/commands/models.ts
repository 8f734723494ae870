import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { action, usageParser, UsageError } from '../errors.js';
import { connectClient } from '../client.js';
import { exampleText, JSON_HELP, JSON_LIST_HELP, out, printJson } from '../output.js';

/** Who runs the command, for the audit trail when --actor is not given. */
const currentUser = (): string => {
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return '';
  }
};

/** A whole number of milliseconds, at least one. */
const integerOption = (flag: string, unit = 'milliseconds') =>
  usageParser((text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`${flag} takes a whole number of ${unit}, got '${text}'`);
    }
    return Number(text);
  });

export const registerModelsCommands = (program: Command): void => {
  const models = program
    .command('models')
    .description(
      "registered models: champions, alias history, rollback, predictions, live evaluation, batch scoring (through the server's Models API)",
    );
  models
    .command('list')
    .description('every registered model with its champion')
    .addHelpText('after', exampleText('hindsight models list --json'))
    .option('--json', JSON_LIST_HELP)
    .action(
      action(async (options: { json?: boolean }) => {
        const client = connectClient();
        try {
          const { models: found } = await client.models.listModels({});
          if (options.json) {
            printJson(found);
            return;
          }
          for (const m of found) {
            out(
              `${m.name.padEnd(40)} champion ${m.championVersion || '-'}  latest ${m.latestVersion || '-'}`,
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
    .addHelpText('after', exampleText('hindsight models show work_order_overrun'))
    .argument('<name>', 'registered model name, e.g. work_order_overrun')
    .option('--json', JSON_HELP)
    .action(
      action(async (name: string, options: { json?: boolean }) => {
        const client = connectClient();
        try {
          const model = await client.models.getModel({ name });
          if (options.json) {
            printJson({
              ...model,
              versions: model.versions.map(({ metricsJson, ...v }) => ({
                ...v,
                metrics: JSON.parse(metricsJson.toString() || '{}') as unknown,
              })),
            });
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
            const what =
              h.decidedBy === 'rollback' ? 'rolled back' : `${h.outcome} by ${h.decidedBy}`;
            const interval = h.interval
              ? ` [${h.interval.metric} gain ${h.interval.gain.toFixed(4)}, ${Number((h.interval.confidence * 100).toFixed(2))}% interval ${h.interval.lower.toFixed(4)} to ${h.interval.upper.toFixed(4)}]`
              : '';
            out(
              `  ${new Date(h.atMs).toISOString()}  v${h.fromVersion || '-'} → v${h.toVersion} ${what}${h.reviewer ? ` (${h.reviewer})` : ''}${interval}: ${h.reason}`,
            );
          }
        } finally {
          client.close();
        }
      }),
    );
  models
    .command('rollback')
    .description(
      'move the champion back to an earlier version (audited like a promotion: ModelPromoted, decided by rollback)',
    )
    .addHelpText(
      'after',
      exampleText(
        "hindsight models rollback work_order_overrun --reason 'v7 over-predicts since the drift'",
        'hindsight models rollback work_order_overrun --to 4 --actor ada --json',
      ),
    )
    .argument('<model>', 'registered model name')
    .option(
      '--to <version>',
      'the version to make champion (default: the champion the current one replaced when it was promoted)',
      usageParser((text: string): string => {
        if (!/^[1-9][0-9]{0,9}$/.test(text)) {
          throw new UsageError(`--to takes a model version number, got '${text}'`);
        }
        return text;
      }),
    )
    .option('--reason <text>', 'why, for the alias history')
    .option('--actor <name>', 'who rolls back (default: the current user)')
    .option('--json', JSON_HELP)
    .action(
      action(
        async (
          model: string,
          options: { to?: string; reason?: string; actor?: string; json?: boolean },
        ) => {
          const actor = options.actor ?? currentUser();
          if (actor.trim() === '') {
            throw new UsageError('--actor: say who rolls back (no current user name to use)');
          }
          const client = connectClient();
          try {
            // The server answers once RollbackWorkflow is done (or after 60 s, if no worker runs it).
            const done = await client.models.rollbackModel({
              modelName: model,
              toVersion: options.to ?? '',
              actor,
              reason: options.reason ?? '',
            });
            if (options.json) {
              printJson({ modelName: model, ...done });
              return;
            }
            out(
              `rolled back ${model}: champion v${done.fromVersion} → v${done.toVersion} (by ${done.actor})`,
            );
            out(`reason     ${done.reason}`);
            out(`recorded   ModelPromoted on ${done.streamId} at version ${done.streamVersion}`);
            out(`workflow   ${done.workflowId}`);
          } finally {
            client.close();
          }
        },
      ),
    );
  models
    .command('predict')
    .description("score an entity with the model's champion, on its features as of now")
    .addHelpText(
      'after',
      exampleText('hindsight models predict work_order_overrun WO-000123 --json'),
    )
    .argument('<model>', 'registered model name')
    .argument('<entity>', 'entity id of the view, e.g. WO-000123')
    .option('--id <uuid>', 'prediction id: a retry with the same id returns the first result')
    .option(
      '--as-of <ms>',
      'the business time of the features (default now)',
      integerOption('--as-of'),
    )
    .option('--json', JSON_HELP)
    .action(
      action(
        async (
          model: string,
          entity: string,
          options: { id?: string; asOf?: number; json?: boolean },
        ) => {
          const client = connectClient();
          try {
            const p = await client.models.predict({
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
              printJson({ ...p, featuresJson: undefined, features });
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
    .addHelpText(
      'after',
      exampleText(
        'hindsight models live start work_order_overrun --view work_order_overrun --window 3600000',
      ),
    )
    .argument('<model>', 'registered model name')
    .requiredOption('--view <name>', 'the feature view whose labels are the outcomes')
    .option('--window <ms>', 'window length in ms (default 1 h)', integerOption('--window'))
    .option('--horizon <ms>', 'label horizon in ms (default 24 h)', integerOption('--horizon'))
    .option('--policy <json>', 'degradation policy as JSON; "null" never retrains')
    .option('--json', JSON_HELP)
    .action(
      action(
        async (
          model: string,
          options: {
            view: string;
            window?: number;
            horizon?: number;
            policy?: string;
            json?: boolean;
          },
        ) => {
          const client = connectClient();
          try {
            const { workflowId } = await client.models.startLiveEvaluation({
              modelName: model,
              view: options.view,
              windowMs: options.window ?? 0,
              labelHorizonMs: options.horizon ?? 0,
              policyJson: Buffer.from(options.policy ?? ''),
              retrainingJson: Buffer.alloc(0),
            });
            if (options.json) printJson({ modelName: model, workflowId });
            else out(`started ${workflowId}`);
          } finally {
            client.close();
          }
        },
      ),
    );
  live
    .command('status')
    .description('windows evaluated, their figures, degradation and retrainings')
    .addHelpText('after', exampleText('hindsight models live status work_order_overrun --json'))
    .argument('<model>', 'registered model name')
    .option('--json', JSON_HELP)
    .action(
      action(async (model: string, options: { json?: boolean }) => {
        const client = connectClient();
        try {
          const response = await client.models.getLiveEvaluation({ modelName: model });
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
            printJson({
              workflowId: response.workflowId,
              workflowStatus: response.workflowStatus,
              status,
            });
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
    .argument('<model>', 'registered model name')
    .option('--json', JSON_HELP)
    .action(
      action(async (model: string, options: { json?: boolean }) => {
        const client = connectClient();
        try {
          await client.models.stopLiveEvaluation({ modelName: model });
          if (options.json) printJson({ modelName: model, stopping: true });
          else out(`stopping the live evaluation of ${model}`);
        } finally {
          client.close();
        }
      }),
    );
  models
    .command('score')
    .description('score every open entity with the champion: one batch now, or a schedule')
    .addHelpText(
      'after',
      exampleText(
        'hindsight models score work_order_overrun',
        'hindsight models score work_order_overrun --every 3600 --paused',
      ),
    )
    .argument('<model>', 'registered model name')
    .option(
      '--every <seconds>',
      'put the model schedule instead (at least 60)',
      integerOption('--every', 'seconds'),
    )
    .option('--paused', 'with --every: the schedule starts paused')
    .option(
      '--clock <clock>',
      "features as of 'wall' (now, the default) or 'log' (the newest event's business time)",
    )
    .option('--json', JSON_HELP)
    .action(
      action(
        async (
          model: string,
          options: { every?: number; paused?: boolean; clock?: string; json?: boolean },
        ) => {
          const client = connectClient();
          try {
            const response = await client.models.startBatchScoring({
              modelName: model,
              intervalSeconds: options.every ?? 0,
              paused: options.paused ?? false,
              clock: options.clock ?? '',
            });
            if (options.json) printJson(response);
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
