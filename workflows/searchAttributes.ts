// The search attributes the stack registers (stack/temporal.ts): list and filter workflows by
// feature view and by stage in Temporal's visibility (the console, ListPipelines).
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';

export const VIEW_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightView',
  SearchAttributeType.KEYWORD,
);
export const STAGE_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightStage',
  SearchAttributeType.KEYWORD,
);

export const markStage = (stage: string): void =>
  upsertSearchAttributes([{ key: STAGE_ATTRIBUTE, value: stage }]);

export const markView = (view: string): void =>
  upsertSearchAttributes([{ key: VIEW_ATTRIBUTE, value: view }]);
