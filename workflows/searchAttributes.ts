// Upserting the search attributes of searchAttributeKeys.ts from inside a workflow.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { STAGE_ATTRIBUTE, VIEW_ATTRIBUTE } from './searchAttributeKeys.js';

export { STAGE_ATTRIBUTE, VIEW_ATTRIBUTE };

export const markStage = (stage: string): void =>
  upsertSearchAttributes([{ key: STAGE_ATTRIBUTE, value: stage }]);

export const markView = (view: string): void =>
  upsertSearchAttributes([{ key: VIEW_ATTRIBUTE, value: view }]);
