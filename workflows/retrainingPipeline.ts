// RetrainingPipeline: check → cut and dataset (child DatasetWorkflow) → skip when the newest
// model already learnt from this very dataset → train (trainers in parallel, each on the exact
// dataset the child published) → select the best challenger on the validation window → decide
// on the test window's rows neither it nor the champion trained on (child PromotionWorkflow).
import {
  CancellationScope,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrainingActivities } from '../activities/training/index.js';
import type { PipelineOutcome } from '../activities/training/pipelineRun.js';
import type { DatasetRef, Evaluation, TrainedVersion } from '../activities/training/types.js';
import { SHORT_ACTIVITY, backingOff } from './activityTimeouts.js';
import { DatasetWorkflow, type DatasetWorkflowResult } from './datasetWorkflow.js';
import { parsePipelineInput, type PipelineInput } from './pipelineInput.js';
import { PromotionWorkflow, type PromotionResult } from './promotionWorkflow.js';
import { describeWorkflow, markStage, markView } from './searchAttributes.js';
import { failureMessage } from './failureMessage.js';
import { pipelineProgressQuery } from './messages.js';
import { METRIC_DIRECTIONS, type MetricName } from '../ml/promotion/metricDirections.js';
import { checkedInWorkflow } from './inputChecks.js';

export type PipelineStage =
  'checking' | 'dataset' | 'training' | 'evaluating' | 'promoting' | 'done' | 'skipped' | 'failed';

export interface PipelineProgress {
  stage: PipelineStage;
  view: string;
  modelName: string;
  datasetDigest: string | null;
  /** The child workflows, for their own queries (dataset progress, promotion status). */
  datasetWorkflowId: string | null;
  promotionWorkflowId: string | null;
  /** The pipeline's MLflow run, under which its dataset, training and evaluation runs nest. */
  mlflowRunId: string | null;
  trainings: { trainer: string; status: 'running' | 'done' | 'failed'; version: string | null }[];
  evaluation: Evaluation | null;
  outcome: 'promoted' | 'rejected' | null;
  /** Why the pipeline skipped or failed. */
  note: string | null;
  /** 0 to 100 over the stages. */
  percent: number;
}

export interface PipelineResult {
  status: 'completed' | 'skipped';
  progress: PipelineProgress;
  dataset: DatasetWorkflowResult | null;
  trained: TrainedVersion[];
  promotion: PromotionResult | null;
}

const PERCENT: Record<PipelineStage, number> = {
  checking: 0,
  dataset: 5,
  training: 40,
  evaluating: 75,
  promoting: 90,
  done: 100,
  skipped: 100,
  failed: 100,
};

/** Histories recorded before pipelines had an MLflow run replay without its two activities. */
export const PIPELINE_RUN_PATCH = 'hindsight-pipeline-run';

const retry = backingOff(10);
const quick = proxyActivities<TrainingActivities>({ ...SHORT_ACTIVITY, retry });
const heavy = proxyActivities<TrainingActivities>({
  startToCloseTimeout: '2 hours',
  // Training runs in a thread and the activity beats every 2 s: a lost worker shows in 30 s.
  heartbeatTimeout: '30 seconds',
  retry,
});

/**
 * An evaluation as a worker of an earlier release returned it (a pipeline in flight across an
 * upgrade): the challengers and champion on the validation rows, no selection, no test window.
 * The best challenger on the rules' primary metric is selected, and judged without the
 * significance check, which needs the interval that release did not compute, as it did.
 */
const fromEarlierRelease = (
  evaluation: Evaluation | (Omit<Evaluation, 'selected'> & { selected?: undefined }),
  rules: unknown,
): Evaluation => {
  if (evaluation.selected !== undefined) return evaluation;
  const earlier = evaluation as unknown as {
    runId: string;
    validationRows: number;
    baseline: Evaluation['baseline'];
    champion: Evaluation['champion'];
    challengers: Evaluation['challengers'];
  };
  const primary = (rules as { primaryMetric?: string } | null)?.primaryMetric ?? 'rocAuc';
  const lower = METRIC_DIRECTIONS[primary as MetricName] === 'lower';
  const best = earlier.challengers.reduce((a, b) => {
    const [x, y] = [a.metrics[primary] ?? null, b.metrics[primary] ?? null];
    if (y === null) return a;
    return x === null || (lower ? y < x : y > x) ? b : a;
  });
  return {
    ...earlier,
    selected: best.version,
    decisionWindow: 'validation',
    decisionRows: earlier.validationRows,
    excludedRows: 0,
    challenger: best,
    interval: null,
  };
};

export async function RetrainingPipeline(input: PipelineInput): Promise<PipelineResult> {
  const request = checkedInWorkflow(() => parsePipelineInput(input));
  describeWorkflow({
    kind: 'pipeline',
    view: request.view,
    model: request.modelName,
    summary: `retraining pipeline of ${request.modelName} on ${request.view}`,
  });
  const { workflowId } = workflowInfo();
  const progress: PipelineProgress = {
    stage: 'checking',
    view: request.view,
    modelName: request.modelName,
    datasetDigest: null,
    datasetWorkflowId: null,
    promotionWorkflowId: null,
    mlflowRunId: null,
    trainings: request.trainers.map((t) => ({ trainer: t.name, status: 'running', version: null })),
    evaluation: null,
    outcome: null,
    note: null,
    percent: 0,
  };
  setHandler(pipelineProgressQuery, () => progress);
  const enter = (stage: PipelineStage): void => {
    progress.stage = stage;
    progress.percent = PERCENT[stage];
    markStage(stage);
  };
  markView(request.view);
  markStage('checking');

  let datasetRef: DatasetRef | null = null;
  let trained: TrainedVersion[] = [];
  /** Ends the pipeline's MLflow run with what happened; nothing when it has none. */
  const closeRun = async (outcome: PipelineOutcome): Promise<void> => {
    const runId = progress.mlflowRunId;
    if (runId === null) return;
    await CancellationScope.nonCancellable(() =>
      quick.closePipelineRun({
        runId,
        view: request.view,
        modelName: request.modelName,
        outcome,
        dataset: datasetRef,
        trained: trained.map(({ version, trainer, reused }) => ({ version, trainer, reused })),
        note: progress.note,
      }),
    );
  };

  try {
    await quick.checkPipeline({
      view: request.view,
      trainers: request.trainers,
      rules: request.rules,
    });
    if (patched(PIPELINE_RUN_PATCH)) {
      const run = await quick.openPipelineRun({
        workflowId,
        view: request.view,
        modelName: request.modelName,
      });
      progress.mlflowRunId = run.runId;
    }
    const pipelineRunId = progress.mlflowRunId;

    enter('dataset');
    progress.datasetWorkflowId = `${workflowId}/dataset`;
    const dataset = await executeChild(DatasetWorkflow, {
      workflowId: progress.datasetWorkflowId,
      args: [
        {
          view: request.view,
          validationFraction: request.validationFraction,
          testFraction: request.testFraction,
          purge: request.purge,
          ...(pipelineRunId === null ? {} : { pipeline: { workflowId, runId: pipelineRunId } }),
          ...(request.eventsPerBatch === undefined
            ? {}
            : { eventsPerBatch: request.eventsPerBatch }),
        },
      ],
    });
    progress.datasetDigest = dataset.digest;
    // The very dataset the child published: later stages fetch it by its run, checked.
    datasetRef = { runId: dataset.runId, digest: dataset.digest };
    const handed = datasetRef;

    if (!request.force) {
      const last = await quick.lastTrainedDigest({ modelName: request.modelName });
      if (last === dataset.digest) {
        progress.note = `the newest version of ${request.modelName} learnt from this very dataset (${dataset.digest.slice(0, 12)}): nothing new to learn`;
        enter('skipped');
        await closeRun('skipped');
        return { status: 'skipped', progress, dataset, trained: [], promotion: null };
      }
    }

    enter('training');
    trained = await Promise.all(
      request.trainers.map(async (trainer, i) => {
        try {
          const version = await heavy.trainModel({
            workflowId,
            trainingId: `${i + 1}-${trainer.name}`,
            view: request.view,
            modelName: request.modelName,
            dataset: handed,
            trainer,
            ...(pipelineRunId === null ? {} : { pipelineRunId }),
          });
          progress.trainings[i] = {
            trainer: trainer.name,
            status: 'done',
            version: version.version,
          };
          return version;
        } catch (error) {
          progress.trainings[i] = { trainer: trainer.name, status: 'failed', version: null };
          throw error;
        }
      }),
    );

    enter('evaluating');
    const evaluated = await heavy.evaluateModels({
      workflowId,
      view: request.view,
      modelName: request.modelName,
      dataset: handed,
      challengers: trained,
      threshold: request.threshold,
      rules: request.rules,
      ...(pipelineRunId === null ? {} : { pipelineRunId }),
    });
    const earlier = (evaluated as Partial<Evaluation>).selected === undefined;
    const evaluation = fromEarlierRelease(evaluated, request.rules);
    progress.evaluation = evaluation;

    if (evaluation.champion?.version === evaluation.selected) {
      // `force` on a dataset and trainer the champion came from: its twin was not registered.
      progress.note = `the selected version ${evaluation.selected} is the champion already`;
      enter('done');
      await closeRun('unchanged');
      return { status: 'completed', progress, dataset, trained, promotion: null };
    }
    enter('promoting');
    progress.promotionWorkflowId = `${workflowId}/promotion`;
    const promotion = await executeChild(PromotionWorkflow, {
      workflowId: progress.promotionWorkflowId,
      args: [
        {
          modelName: request.modelName,
          view: request.view,
          challenger: evaluation.challenger,
          champion: evaluation.champion,
          baseline: evaluation.baseline,
          validationRows: evaluation.decisionRows,
          interval: evaluation.interval,
          datasetDigest: dataset.digest,
          // An earlier release's evaluation has no interval: judged by that release's rules.
          rules: earlier ? { ...(request.rules as object), significance: null } : request.rules,
          approval: request.approval,
          ...(request.approvalTimeoutMs === undefined
            ? {}
            : { approvalTimeoutMs: request.approvalTimeoutMs }),
        },
      ],
    });
    progress.outcome = promotion.outcome;
    enter('done');
    // A finished promotion has decided.
    await closeRun(promotion.outcome ?? 'rejected');
    return { status: 'completed', progress, dataset, trained, promotion };
  } catch (error) {
    progress.note = failureMessage(error);
    enter('failed');
    // The run ends FAILED (KILLED when cancelled) with the reason; the pipeline's own failure
    // is what the caller sees, whether or not MLflow took the record.
    await closeRun(isCancellation(error) ? 'cancelled' : 'failed').catch(() => undefined);
    throw error;
  }
}
