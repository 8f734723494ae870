// As of when a batch scores its entities: `wall` is now; `log` is the business time of the newest
// event the view reads — for a history replayed or simulated faster than time.
export type ScoringClock = 'wall' | 'log';
