// BatchScoringWorkflow: scores every open entity of the model's champion view (a PredictionMade
// each, as Predict makes them), for a schedule. The batch is named by the workflow id, so a
// retry of the activity makes no prediction twice.
import {
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ScoringActivities } from '../activities/scoring/index.js';
import type { ScoreOpenEntitiesResult } from '../activities/scoring/scoreOpenEntities.js';
import type { ScoringClock } from '../serving/scoringClock.js';
import { backingOff } from './activityTimeouts.js';
import { failureMessage } from './failureMessage.js';
import { batchScoringProgressQuery } from './messages.js';
import { checkedInWorkflow, integerIn, invalid } from './inputChecks.js';
import { MODEL_NAME } from '../ml/names.js';
import { describeWorkflow, markView } from './searchAttributes.js';

/** Histories recorded before a batch marked its view replay without the upsert. */
export const SCORING_VIEW_PATCH = 'hindsight-scoring-view';

export interface BatchScoringInput {
  modelName: string;
  /** Scores at most this many entities; default 100,000. */
  maxEntities?: number;
  /** `wall` (default): features as of now; `log`: as of the newest event's business time. */
  clock?: ScoringClock;
}

export interface BatchScoringProgress {
  stage: 'scoring' | 'done' | 'failed';
  modelName: string;
  result: ScoreOpenEntitiesResult | null;
  error: string | null;
}

const { scoreOpenEntities } = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '1 hour',
  // The activity beats per entity scored, and every 2 s while it loads the model and the view.
  heartbeatTimeout: '30 seconds',
  retry: backingOff(),
});

const parseInput = (raw: unknown): Required<BatchScoringInput> => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('input', 'must be an object such as { "modelName": "m" }');
  }
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).find(
    (key) => key !== 'modelName' && key !== 'maxEntities' && key !== 'clock',
  );
  if (unknown) throw invalid(unknown, 'is not an input of batch scoring');
  if (typeof input.modelName !== 'string' || !MODEL_NAME.test(input.modelName)) {
    throw invalid('modelName', `${JSON.stringify(input.modelName)} is not a model name`);
  }
  const clock = input.clock ?? 'wall';
  if (clock !== 'wall' && clock !== 'log') {
    throw invalid('clock', `must be 'wall' or 'log', not ${JSON.stringify(input.clock)}`);
  }
  return {
    modelName: input.modelName,
    maxEntities: integerIn(input, 'maxEntities', 100_000, 1, 10_000_000),
    clock,
  };
};

export async function BatchScoringWorkflow(raw: BatchScoringInput): Promise<BatchScoringProgress> {
  const input = checkedInWorkflow(() => parseInput(raw));
  describeWorkflow({
    kind: 'batch-scoring',
    model: input.modelName,
    summary: `batch scoring with ${input.modelName}`,
  });
  const progress: BatchScoringProgress = {
    stage: 'scoring',
    modelName: input.modelName,
    result: null,
    error: null,
  };
  setHandler(batchScoringProgressQuery, () => progress);
  try {
    progress.result = await scoreOpenEntities({ ...input, batchId: workflowInfo().workflowId });
    // The view is known once the champion is: then the batch is found by it too.
    if (progress.result.view !== undefined && patched(SCORING_VIEW_PATCH)) {
      markView(progress.result.view);
      upsertMemo({ 'hindsight.view': progress.result.view });
    }
    progress.stage = 'done';
    return progress;
  } catch (error) {
    progress.stage = 'failed';
    progress.error = failureMessage(error);
    throw error;
  }
}
