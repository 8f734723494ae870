// The search attributes the stack registers (stack/temporal.ts), for workflows, the server and
// schedules alike: list and filter workflows by feature view and by stage.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const VIEW_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightView',
  SearchAttributeType.KEYWORD,
);
export const STAGE_ATTRIBUTE = defineSearchAttributeKey(
  'HindsightStage',
  SearchAttributeType.KEYWORD,
);
