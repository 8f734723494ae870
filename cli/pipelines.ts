// Runs RetrainingPipeline from the CLI with its progress query as a bar (used by `demo`).
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { pipelineProgressQuery } from '../workflows/messages.js';
import type { PipelineInput } from '../workflows/pipelineInput.js';
import type { PipelineResult, RetrainingPipeline } from '../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { workflowFailure } from './datasets.js';
import { createProgressBar } from './progressBar.js';

export const runPipeline = async (
  client: Client,
  taskQueue: string,
  input: PipelineInput,
): Promise<PipelineResult> => {
  const handle = await client.workflow.start<typeof RetrainingPipeline>(
    WORKFLOW_TYPES.RetrainingPipeline,
    {
      taskQueue,
      workflowId: `pipeline-${input.view}-${randomUUID()}`,
      args: [input],
    },
  );
  const bar = createProgressBar(`pipeline ${input.view}`);
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  result.catch(() => undefined);
  while (!finished) {
    const progress = await handle.query(pipelineProgressQuery).catch(() => undefined);
    if (progress) bar.update(progress.percent / 100, progress.stage);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    const done = await result;
    bar.done(`pipeline ${input.view}: ${done.status}`);
    return done;
  } catch (error) {
    bar.done(`pipeline ${input.view}: failed`);
    if (error instanceof WorkflowFailedError) throw workflowFailure(error);
    throw error;
  }
};

export const printPipelineResult = (result: PipelineResult, mlflowUri: string): void => {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (result.progress.note) out(`note        ${result.progress.note}`);
  for (const trained of result.trained) {
    out(
      `trained     ${trained.trainer} → ${trained.modelName} v${trained.version} (${trained.trainingSeconds.toFixed(2)} s)`,
    );
  }
  const evaluation = result.progress.evaluation;
  for (const model of evaluation?.challengers ?? []) {
    out(
      `validation  v${model.version}: ROC AUC ${model.metrics.rocAuc?.toFixed(4) ?? 'n/a'}, log loss ${model.metrics.logLoss?.toFixed(4) ?? 'n/a'}`,
    );
  }
  if (result.promotion) {
    const p = result.promotion;
    out(`promotion   v${p.challengerVersion} ${p.outcome} by ${p.decidedBy}`);
  }
  out(`registry    ${mlflowUri.replace(/\/$/, '')}/#/models/${result.progress.modelName}`);
};
