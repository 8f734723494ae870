// The search attributes the stack registers (stack/temporal.ts, deploy/temporal), for workflows,
// the server and schedules alike: list and filter workflows by kind, feature view, model and
// stage, e.g. `temporal workflow list -q "HindsightView='work_order_overrun'"`.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const VIEW_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightView',
  SearchAttributeType.KEYWORD,
);
export const STAGE_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightStage',
  SearchAttributeType.KEYWORD,
);
export const MODEL_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightModel',
  SearchAttributeType.KEYWORD,
);
/** What a workflow does: `pipeline`, `dataset`, `promotion`, `rollback`, … (see WorkflowKind). */
export const KIND_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightKind',
  SearchAttributeType.KEYWORD,
);

/** Every attribute's name; all are Keyword. */
export const SEARCH_ATTRIBUTE_NAMES: readonly string[] = [
  VIEW_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  MODEL_ATTRIBUTE,
  KIND_ATTRIBUTE,
].map((key) => key.name);
