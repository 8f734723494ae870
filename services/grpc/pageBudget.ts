// How many events a read asks the store for next, so that what the server holds for one call
// stays near its byte budget whatever the events weigh: a small first step, then as many as fit
// the budget at the average size seen so far.
export const FIRST_STEP = 32;

export interface ReadSoFar {
  events: number;
  bytes: number;
}

export const nextPageSize = (budgetBytes: number, seen: ReadSoFar, max: number): number => {
  if (seen.events === 0) return Math.max(1, Math.min(FIRST_STEP, max));
  const average = Math.max(1, seen.bytes / seen.events);
  return Math.max(1, Math.min(max, Math.floor(budgetBytes / average)));
};
