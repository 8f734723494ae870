// Upserting the search attributes of searchAttributeKeys.ts from inside a workflow, and the memo
// an operator reads in the Temporal UI.
import { patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  KIND_ATTRIBUTE,
  MODEL_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  VIEW_ATTRIBUTE,
} from './searchAttributeKeys.js';

export { KIND_ATTRIBUTE, MODEL_ATTRIBUTE, STAGE_ATTRIBUTE, VIEW_ATTRIBUTE };

export type WorkflowKind =
  | 'pipeline'
  | 'dataset'
  | 'promotion'
  | 'rollback'
  | 'live-evaluation'
  | 'batch-scoring'
  | 'snapshot'
  | 'migration'
  | 'undo-migration';

export const markStage = (stage: string): void =>
  upsertSearchAttributes([{ key: STAGE_ATTRIBUTE, value: stage }]);

export const markView = (view: string): void =>
  upsertSearchAttributes([{ key: VIEW_ATTRIBUTE, value: view }]);

/** Histories recorded before workflows described themselves replay without these commands. */
export const METADATA_PATCH = 'hindsight-workflow-metadata';

export interface WorkflowDescription {
  kind: WorkflowKind;
  /** The feature view it works on, when there is one. */
  view?: string;
  /** The registered model it works on, when there is one. */
  model?: string;
  /** One line for the Temporal UI's memo, e.g. "dataset of work_order_overrun". */
  summary: string;
}

/**
 * Names the workflow for operators: its kind, view and model as search attributes (so
 * `temporal workflow list -q "HindsightView='v'"` finds every kind that works on the view), and a
 * memo the Temporal UI shows. Call it first thing in the workflow.
 */
export const describeWorkflow = ({ kind, view, model, summary }: WorkflowDescription): void => {
  if (!patched(METADATA_PATCH)) return;
  const pairs: SearchAttributeUpdatePair[] = [{ key: KIND_ATTRIBUTE, value: kind }];
  if (view !== undefined) pairs.push({ key: VIEW_ATTRIBUTE, value: view });
  if (model !== undefined) pairs.push({ key: MODEL_ATTRIBUTE, value: model });
  upsertSearchAttributes(pairs);
  upsertMemo({
    'hindsight.kind': kind,
    ...(view === undefined ? {} : { 'hindsight.view': view }),
    ...(model === undefined ? {} : { 'hindsight.model': model }),
    'hindsight.summary': summary,
  });
};
