// Where a rollback goes by default: back to the champion that the current one replaced when it
// was promoted. A rollback is no promotion, so rolling back twice goes back twice (v3 → v2 → v1)
// instead of swinging between the last two champions.

/** An alias change as the alias history tells it (oldest first). */
export interface ChampionMove {
  outcome: string;
  decidedBy: string;
  fromVersion: string | null;
  toVersion: string;
}

export type RollbackTarget =
  | { found: true; version: string; promotion: ChampionMove }
  /** `first`: the champion was the model's first; `unrecorded`: no promotion made it champion. */
  | { found: false; why: 'first' | 'unrecorded'; promotion: ChampionMove | null };

export const rollbackTarget = (
  history: readonly ChampionMove[],
  champion: string,
): RollbackTarget => {
  const promotion = history.findLast(
    (move) =>
      move.outcome === 'promoted' && move.decidedBy !== 'rollback' && move.toVersion === champion,
  );
  if (!promotion) return { found: false, why: 'unrecorded', promotion: null };
  if (promotion.fromVersion === null) return { found: false, why: 'first', promotion };
  return { found: true, version: promotion.fromVersion, promotion };
};
