import type { Command } from 'commander';
import { loadConfig, mlflowUriOf } from '../../config/env.js';
import type { DatasetWorkflow, DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { datasetWorkflowId, runDataset } from '../datasets.js';
import { UsageError, action } from '../errors.js';
import { parseNonNegativeInt } from '../format.js';
import { examples, JSON_HELP, printJson } from '../output.js';
import { withTemporalClient } from '../../runtime/temporalClient.js';

interface GenerateOptions {
  cut?: string;
  validationFraction?: string;
  testFraction?: string;
  purge: boolean;
  eventsPerBatch?: string;
  incremental: boolean;
  wait: boolean;
  json: boolean;
}

/** A fraction option's value: above 0 (or at 0 when `zero` allows it) and below 1. */
export const parseFraction = (text: string, option: string, { zero = false } = {}): number => {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!((zero ? value >= 0 : value > 0) && value < 1)) {
    throw new UsageError(
      `${option} takes a number ${zero ? 'from 0' : 'above 0'} and below 1, got '${text}'`,
    );
  }
  return value;
};

/** The split options `datasets generate` and `pipeline run` share, checked together. */
export const splitOptions = (options: {
  validationFraction?: string;
  testFraction?: string;
  purge: boolean;
}): { validationFraction: number; testFraction: number; purge: boolean } => {
  const validationFraction = parseFraction(
    options.validationFraction ?? '0.2',
    '--validation-fraction',
  );
  const testFraction = parseFraction(options.testFraction ?? '0.2', '--test-fraction', {
    zero: true,
  });
  if (!(validationFraction + testFraction < 1)) {
    throw new UsageError(
      `--validation-fraction ${validationFraction} and --test-fraction ${testFraction} leave ` +
        'no rows to train on: they must add up to less than 1',
    );
  }
  return { validationFraction, testFraction, purge: options.purge };
};

const positionText = (position: { transactionId: number; globalPosition: number } | null) =>
  position === null ? 'n/a' : `(${position.transactionId}, ${position.globalPosition})`;

/** The run's page in the MLflow UI. */
export const mlflowRunUrl = (trackingUri: string, experimentId: string, runId: string): string =>
  `${trackingUri.replace(/\/$/, '')}/#/experiments/${experimentId}/runs/${runId}`;

export const printDataset = (result: DatasetWorkflowResult, trackingUri: string): void => {
  const { manifest } = result;
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const balance = manifest.labelBalance;
  out(`digest      ${manifest.digest}`);
  out(
    `view        ${manifest.view.name} v${manifest.view.version} (code ${manifest.view.codeHash.slice(0, 12)})`,
  );
  out(`cut         ${manifest.cut.transactionId}`);
  out(`events      ${manifest.events}`);
  if (manifest.quarantined) {
    out(
      `quarantined ${manifest.quarantined} events the view went on without (hindsight events quarantine)`,
    );
  }
  out(
    `rows        ${manifest.rows} (${balance.labelled} labelled, ${balance.positives} late, ` +
      `positive rate ${balance.positiveRate === null ? 'n/a' : balance.positiveRate.toFixed(3)})`,
  );
  const { split } = manifest;
  out(
    `split       ${split.train} train, ${split.validation} validation, ${split.test} test, ` +
      `${split.purged} purged, ${split.immature} immature, ${split.unlabelled} unlabelled ` +
      `(commit order: validation from ${positionText(split.validationFrom)}, test from ` +
      `${positionText(split.testFrom)})`,
  );
  if (split.labelHorizon) {
    const days = split.labelHorizon.within / 86_400_000;
    out(
      `labels      final ${Number.isInteger(days) ? `${days} days` : `${split.labelHorizon.within} ms`} ` +
        `after the observation, else ${split.labelHorizon.otherwise}; log clock ` +
        `${split.clock === null ? 'n/a' : new Date(split.clock).toISOString()}`,
    );
  }
  out(`MLflow run  ${mlflowRunUrl(trackingUri, result.experimentId, result.runId)}`);
  out(`recorded    ${result.record.streamId}@${result.record.streamVersion}`);
};

export const registerDatasetsCommands = (program: Command): void => {
  const datasets = program
    .command('datasets')
    .description(
      'datasets cut from the log (runs DatasetWorkflow on the worker, through Temporal)',
    );
  examples(
    datasets
      .command('generate')
      .description(
        'generate the dataset of a feature view at a cut of the log (a new cut by default), with a progress bar',
      )
      .argument('<view>', 'feature view, e.g. work_order_overrun')
      .option('--cut <transaction id>', 'reproduce the dataset of this cut')
      .option(
        '--validation-fraction <fraction>',
        'share of the usable rows in the validation window (after train, in commit order)',
        '0.2',
      )
      .option(
        '--test-fraction <fraction>',
        'share of the usable rows in the test window (the newest; 0 for none)',
        '0.2',
      )
      .option('--no-purge', 'keep rows whose outcome came in a later window')
      .option('--events-per-batch <count>', 'events per checkpointed batch')
      .option(
        '--no-incremental',
        'replay the log from the start instead of building on the view state of an earlier dataset',
      )
      .option('--no-wait', 'print the workflow id and return at once')
      .option('--json', JSON_HELP)
      .action(
        action(async (view: string, options: GenerateOptions) => {
          const config = loadConfig();
          const input = {
            view,
            cut: options.cut === undefined ? null : parseNonNegativeInt(options.cut, '--cut'),
            ...splitOptions(options),
            incremental: options.incremental,
            ...(options.eventsPerBatch === undefined
              ? {}
              : {
                  eventsPerBatch: parseNonNegativeInt(options.eventsPerBatch, '--events-per-batch'),
                }),
          };
          await withTemporalClient(config, async (client) => {
            if (!options.wait) {
              const workflowId = datasetWorkflowId(view);
              await client.workflow.start<typeof DatasetWorkflow>(WORKFLOW_TYPES.DatasetWorkflow, {
                taskQueue: config.HINDSIGHT_TASK_QUEUE,
                workflowId,
                args: [input],
              });
              if (options.json) printJson({ workflowId });
              else process.stdout.write(`${workflowId}\n`);
              return;
            }
            const result = await runDataset(client, config.HINDSIGHT_TASK_QUEUE, input, {
              progress: !options.json,
            });
            if (options.json) printJson(result);
            else printDataset(result, mlflowUriOf(config));
          });
        }),
      ),
    'hindsight datasets generate work_order_overrun',
    'hindsight datasets generate work_order_overrun --cut 18342 --json > dataset.json',
  );
};
