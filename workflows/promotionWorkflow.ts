// PromotionWorkflow: the rules judge the challenger; with `approval: required` a person approves
// or rejects it (updates, validated) before a deadline that rejects; a promotion moves the
// MLflow alias `champion`; either way the decision and its reasons become an event on the
// model's stream, where the alias history is read from.
import {
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PromotionActivities } from '../activities/promotion/index.js';
import type {
  DecidedBy,
  PromotionOutcome,
  RecordedPromotion,
} from '../activities/promotion/types.js';
import type { GainInterval } from '../ml/metrics/pairedBootstrap.js';
import type { PromotionCheck } from '../ml/promotion/promotionChecks.js';
import {
  checkReview,
  parsePromotionInput,
  type PromotionWorkflowInput,
  type Review,
} from './promotionInput.js';
import { SHORT_ACTIVITY, backingOff } from './activityTimeouts.js';
import { failureMessage } from './failureMessage.js';
import { approveUpdate, promotionStatusQuery, rejectUpdate } from './messages.js';
import { describeWorkflow, markStage } from './searchAttributes.js';
import { checkedInWorkflow } from './inputChecks.js';

export type PromotionStage = 'judging' | 'awaiting_approval' | 'promoting' | 'recording' | 'done';

export interface PromotionStatus {
  stage: PromotionStage;
  modelName: string;
  challengerVersion: string;
  championVersion: string | null;
  outcome: PromotionOutcome | null;
  decidedBy: DecidedBy | null;
  reviewer: string | null;
  reason: string | null;
  /** What the rules said (one line), and every check. */
  rulesVerdict: string | null;
  checks: PromotionCheck[];
  /** The gain's paired bootstrap interval the rules judged; null when none was computed. */
  interval: GainInterval | null;
  /** Why the decision's tags could not be set on the challenger's MLflow version; else null. */
  tagError: string | null;
  /** When a pending approval times out (rejects), ms since the epoch. */
  approvalDeadline: number | null;
}

export interface PromotionResult extends PromotionStatus {
  record: RecordedPromotion;
}

const activities = proxyActivities<PromotionActivities>({
  ...SHORT_ACTIVITY,
  retry: backingOff(10),
});

export async function PromotionWorkflow(input: PromotionWorkflowInput): Promise<PromotionResult> {
  const request = checkedInWorkflow(() => parsePromotionInput(input));
  describeWorkflow({
    kind: 'promotion',
    ...(request.view === null ? {} : { view: request.view }),
    model: request.modelName,
    summary: `promotion of ${request.modelName} v${request.challenger.version}`,
  });
  const { workflowId } = workflowInfo();
  const status: PromotionStatus = {
    stage: 'judging',
    modelName: request.modelName,
    challengerVersion: request.challenger.version,
    championVersion: request.champion?.version ?? null,
    outcome: null,
    decidedBy: null,
    reviewer: null,
    reason: null,
    rulesVerdict: null,
    checks: [],
    interval: request.interval,
    tagError: null,
    approvalDeadline: null,
  };
  let review: (Review & { approved: boolean }) | null = null;
  setHandler(promotionStatusQuery, () => status);
  const reviewHandler = (approved: boolean) => (given: Review) => {
    review = { reviewer: given.reviewer.trim(), reason: given.reason.trim(), approved };
    status.reviewer = review.reviewer;
    return status;
  };
  const validator = (given: Review): void => {
    if (status.stage !== 'awaiting_approval' || review !== null) {
      throw new Error(
        `promotion of ${request.modelName} v${request.challenger.version} is not awaiting approval ` +
          `(stage ${status.stage}${status.outcome ? `, ${status.outcome} by ${status.decidedBy}` : ''})`,
      );
    }
    checkedInWorkflow(() => checkReview(given));
  };
  setHandler(approveUpdate, reviewHandler(true), { validator });
  setHandler(rejectUpdate, reviewHandler(false), { validator });

  const judged = await activities.judgeChallenger({
    rules: request.rules,
    challenger: request.challenger.metrics,
    champion: request.champion?.metrics ?? null,
    baseline: request.baseline,
    validationRows: request.validationRows,
    interval: request.interval,
  });
  status.rulesVerdict = judged.summary;
  status.checks = judged.decision.checks;

  let outcome: PromotionOutcome = judged.decision.promote ? 'promoted' : 'rejected';
  let decidedBy: DecidedBy = 'rules';
  let reason = judged.summary;
  if (outcome === 'promoted' && request.approval === 'required') {
    status.stage = 'awaiting_approval';
    status.approvalDeadline = Date.now() + request.approvalTimeoutMs;
    markStage('awaiting_approval');
    const reviewed = await condition(() => review !== null, request.approvalTimeoutMs);
    const verdict = review as (Review & { approved: boolean }) | null;
    if (!reviewed || verdict === null) {
      outcome = 'rejected';
      decidedBy = 'timeout';
      reason = `no review within ${Math.round(request.approvalTimeoutMs / 1000)} s`;
    } else {
      outcome = verdict.approved ? 'promoted' : 'rejected';
      decidedBy = 'reviewer';
      reason = verdict.reason;
    }
  }

  if (outcome === 'promoted') {
    status.stage = 'promoting';
    markStage('promoting');
    try {
      await activities.moveChampion({
        modelName: request.modelName,
        version: request.challenger.version,
        expectedChampion: request.champion?.version ?? null,
      });
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === 'CHAMPION_CHANGED')) throw error;
      outcome = 'rejected';
      decidedBy = 'champion_changed';
      reason = cause.message;
    }
  }

  Object.assign(status, { stage: 'recording', outcome, decidedBy, reason });
  markStage('recording');
  const record = await activities.recordPromotion({
    workflowId,
    modelName: request.modelName,
    outcome,
    decidedBy,
    challengerVersion: request.challenger.version,
    championVersion: request.champion?.version ?? null,
    reviewer: status.reviewer,
    reason,
    reasons: judged.decision.reasons,
    datasetDigest: request.datasetDigest,
    challengerMetrics: request.challenger.metrics,
    championMetrics: request.champion?.metrics ?? null,
    interval: request.interval,
  });
  // Histories recorded before the tags replay without them.
  if (patched('promotion-mlflow-tags')) {
    try {
      await activities.tagPromotion({
        workflowId,
        modelName: request.modelName,
        version: request.challenger.version,
        outcome,
        decidedBy,
        interval: request.interval,
      });
    } catch (error) {
      // The decision is made and recorded: tags that MLflow refused after every retry are
      // reported, not worth failing the promotion (and its pipeline) over.
      status.tagError = failureMessage(error);
    }
  }
  status.stage = 'done';
  markStage('done');
  return { ...status, record };
}
