// A promotion decision in one line, for events and logs.
import type { PromotionDecision } from './decidePromotion.js';

export const describeDecision = ({
  promote,
  comparedWith,
  reasons,
  checks,
}: PromotionDecision): string => {
  const passed = checks.filter((check) => check.passed).length;
  const tally = promote
    ? `${passed}/${checks.length} checks passed`
    : `${checks.length - passed}/${checks.length} checks failed`;
  return `${promote ? 'promote' : 'reject'} vs ${comparedWith} (${tally}): ${reasons.join('; ')}`;
};
