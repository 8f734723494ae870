// RollbackWorkflow: a person moves the champion back to an earlier version through the path a
// promotion takes — the alias `champion` moves only if it is still the version the rollback
// was asked against (so it cannot race a promotion), and `ModelPromoted` with decidedBy
// `rollback`, who and why, goes to the model's stream, where the alias history is read from.
// What to roll back to is settled by the caller (the Models service) before it starts this.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PromotionActivities } from '../activities/promotion/index.js';
import type { RecordedPromotion } from '../activities/promotion/types.js';
import { MODEL_NAME, VIEW_NAME } from '../ml/names.js';
import { SHORT_ACTIVITY, backingOff } from './activityTimeouts.js';
import { checkedInWorkflow, invalid } from './inputChecks.js';
import { describeWorkflow } from './searchAttributes.js';

export interface RollbackInput {
  modelName: string;
  /** The champion now: nothing moves if another version is champion when the move is made. */
  fromVersion: string;
  /** The version to make champion again. */
  toVersion: string;
  /** Who rolls back. */
  actor: string;
  /** Why, in words; may be empty. */
  reason: string;
  /** The dataset `toVersion` learnt from ('' when its version has no such tag). */
  datasetDigest: string;
  /** The model's feature view, for operators looking for its workflows. */
  view?: string;
}

export interface RollbackResult {
  modelName: string;
  fromVersion: string;
  toVersion: string;
  actor: string;
  reason: string;
  /** False when a retry found the alias already moved. */
  moved: boolean;
  record: RecordedPromotion;
}

const VERSION = /^[1-9][0-9]{0,9}$/;

const text = (input: Record<string, unknown>, field: string, least: number, most: number) => {
  const value = input[field];
  if (typeof value !== 'string' || value.trim().length < least || value.length > most) {
    throw invalid(field, `must be text of ${least} to ${most} characters`);
  }
  return value.trim();
};

export const parseRollbackInput = (raw: unknown): RollbackInput => {
  if (typeof raw !== 'object' || raw === null) throw invalid('input', 'must be an object');
  const input = raw as Record<string, unknown>;
  if (typeof input.modelName !== 'string' || !MODEL_NAME.test(input.modelName)) {
    throw invalid('modelName', `${JSON.stringify(input.modelName)} is not a model name`);
  }
  for (const field of ['fromVersion', 'toVersion']) {
    const version = input[field];
    if (typeof version !== 'string' || !VERSION.test(version)) {
      throw invalid(
        field,
        `must be a model version number as text, not ${JSON.stringify(version)}`,
      );
    }
  }
  if (input.fromVersion === input.toVersion) {
    throw invalid('toVersion', `version ${String(input.toVersion)} is the champion already`);
  }
  const { view } = input;
  if (view !== undefined && (typeof view !== 'string' || !VIEW_NAME.test(view))) {
    throw invalid('view', `${JSON.stringify(view)} is not a feature view name`);
  }
  const digest = input.datasetDigest;
  if (typeof digest !== 'string' || !/^([0-9a-f]{64})?$/.test(digest)) {
    throw invalid('datasetDigest', 'must be a dataset digest (64 hex digits) or empty');
  }
  return {
    modelName: input.modelName,
    fromVersion: input.fromVersion as string,
    toVersion: input.toVersion as string,
    actor: text(input, 'actor', 1, 200),
    reason: text(input, 'reason', 0, 2000),
    datasetDigest: digest,
    ...(view === undefined ? {} : { view }),
  };
};

const activities = proxyActivities<PromotionActivities>({
  ...SHORT_ACTIVITY,
  retry: backingOff(10),
});

/**
 * Fails with the activity's `CHAMPION_CHANGED` when the champion is no longer `fromVersion`:
 * then nothing moved and nothing is recorded.
 */
export async function RollbackWorkflow(input: RollbackInput): Promise<RollbackResult> {
  const request = checkedInWorkflow(() => parseRollbackInput(input));
  describeWorkflow({
    kind: 'rollback',
    model: request.modelName,
    ...(request.view === undefined ? {} : { view: request.view }),
    summary: `rollback of ${request.modelName} from v${request.fromVersion} to v${request.toVersion}`,
  });
  const { workflowId } = workflowInfo();
  const { moved } = await activities.moveChampion({
    modelName: request.modelName,
    version: request.toVersion,
    expectedChampion: request.fromVersion,
  });
  const reason =
    request.reason || `rolled back from v${request.fromVersion} to v${request.toVersion}`;
  const record = await activities.recordPromotion({
    workflowId,
    modelName: request.modelName,
    outcome: 'promoted',
    decidedBy: 'rollback',
    challengerVersion: request.toVersion,
    championVersion: request.fromVersion,
    reviewer: request.actor,
    reason,
    reasons: [],
    datasetDigest: request.datasetDigest,
    challengerMetrics: {},
    championMetrics: null,
    interval: null,
  });
  return { ...request, reason, moved, record };
}
