// The promotion rules applied in an activity: the decision is recorded in the workflow's
// history, so a later change of the rules' code never changes a decision already made.
import { decidePromotion } from '../../ml/promotion/decidePromotion.js';
import { describeDecision } from '../../ml/promotion/describeDecision.js';
import { parsePromotionRules } from '../../ml/promotion/parsePromotionRules.js';
import type { JudgeChallengerInput, JudgedChallenger } from './types.js';

export const judgeChallenger = ({
  rules: given,
  challenger,
  champion,
  baseline,
  validationRows,
  interval,
}: JudgeChallengerInput): Promise<JudgedChallenger> => {
  const rules = parsePromotionRules(given ?? {});
  const decision = decidePromotion({
    rules,
    challenger,
    champion,
    baseline,
    validationRows,
    // Absent from an activity scheduled by older workflow code: no interval was computed.
    interval: interval ?? null,
  });
  return Promise.resolve({ rules, decision, summary: describeDecision(decision) });
};
