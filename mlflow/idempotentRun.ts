// Run creation that a retried activity can repeat without making a second run.
import { randomUUID } from 'node:crypto';
import { invalidParameter, MlflowError } from './errors.js';
import type { MlflowHttp } from './http.js';
import { checkLength, LIMITS } from './limits.js';
import { createRun, deleteRun, setTag, type CreateRunInput } from './runs.js';
import { searchAllRuns } from './searchRuns.js';
import type { Run } from './types.js';

export const IDEMPOTENCY_KEY_TAG = 'hindsight.idempotency_key';
/** Marks the runs one call created, so that it deletes only its own surplus runs. */
export const IDEMPOTENCY_ATTEMPT_TAG = 'hindsight.idempotency_attempt';
export const DUPLICATE_OF_TAG = 'hindsight.duplicate_of';

export interface CreateRunIdempotentInput extends CreateRunInput {
  idempotencyKey: string;
  /**
   * The caller knows no one else creates a run with this key while it runs (the first attempt
   * of a Temporal activity: a second attempt starts only after the first one's result can no
   * longer count). It then skips the waits for concurrent creators, unless its own create was
   * sent twice (a retried request whose first response was lost).
   */
  exclusive?: boolean;
}

export interface IdempotencyOptions {
  /** The least wait between creating and looking for concurrent creators. */
  settleMs?: number;
}

const runsWithKey = (http: MlflowHttp, experimentId: string, key: string): Promise<Run[]> =>
  searchAllRuns(http, {
    experimentIds: [experimentId],
    filter: `tags.\`${IDEMPOTENCY_KEY_TAG}\` = '${key}'`,
    maxResults: 100,
  });

// One total order that every caller computes alike: the earliest start time, then the run id.
const earliest = (runs: readonly Run[]): Run | undefined =>
  [...runs].sort(
    (a, b) =>
      (a.info.startTime ?? 0) - (b.info.startTime ?? 0) || a.info.runId.localeCompare(b.info.runId),
  )[0];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const MAX_ROUNDS = 4;

// Ours: this call's run, and any that a retried create request made behind our back.
const deleteSurplus = async (
  http: MlflowHttp,
  runs: readonly Run[],
  attempt: string,
  winner: Run,
): Promise<void> => {
  for (const run of runs) {
    if (run === winner || run.tags[IDEMPOTENCY_ATTEMPT_TAG] !== attempt) continue;
    await setTag(http, { runId: run.info.runId, key: DUPLICATE_OF_TAG, value: winner.info.runId });
    await deleteRun(http, run.info.runId);
  }
};

const checkKeyQuotable = (key: string): void => {
  // The key is spliced into a filter string, whose quoting has no escape for a quote.
  if (!key || /['"`\\]/.test(key)) {
    throw invalidParameter('idempotency key must be non-empty, without quotes or backslashes');
  }
  checkLength('idempotency key', key, LIMITS.tagValueLength);
};

/**
 * The run tagged `hindsight.idempotency_key = <key>` in the experiment, created if there is none.
 *
 * MLflow has no conditional create for runs, so concurrent callers can each create one. Every
 * caller therefore waits for creates in flight to land, then keeps the same winner (earliest
 * start time, then run id), deletes its own run if that lost (tagged `hindsight.duplicate_of`),
 * and returns only once two reads a wait apart agree on the winner. Left open: a create that
 * stalls past all those waits and carries an earlier start time (or a clock skewed by more)
 * can still win after another caller returned; that caller then holds a deleted run, and its
 * next write fails with INVALID_PARAMETER_VALUE.
 */
export const createRunIdempotent = async (
  http: MlflowHttp,
  { idempotencyKey, exclusive = false, tags, ...input }: CreateRunIdempotentInput,
  { settleMs = 200 }: IdempotencyOptions = {},
): Promise<Run> => {
  checkKeyQuotable(idempotencyKey);
  const search = () => runsWithKey(http, input.experimentId, idempotencyKey);
  let started = Date.now();
  let runs = await search();
  // No one else creates one meanwhile: the earliest is the winner, now and later.
  if (exclusive && runs.length > 0) return earliest(runs) as Run;
  let attempt: string | undefined;
  if (runs.length === 0) {
    attempt = randomUUID();
    started = Date.now();
    const created = await createRun(http, {
      ...input,
      tags: { ...tags, [IDEMPOTENCY_KEY_TAG]: idempotencyKey, [IDEMPOTENCY_ATTEMPT_TAG]: attempt },
    });
    runs = [created];
    if (exclusive) {
      // Read-after-write: a create that landed twice shows now; then settle as anyone would.
      const seen = await search();
      if (seen.length === 1 && seen[0]?.info.runId === created.info.runId) return created;
    }
  }
  // Long enough for a request sent at the same time as ours to have landed too.
  const wait = Math.max(settleMs, 2 * (Date.now() - started));
  if (attempt) {
    await sleep(wait);
    const seen = await search();
    runs = seen.some((r) => r.info.runId === runs[0]!.info.runId) ? seen : [...seen, ...runs];
  }
  for (let round = 1; ; round++) {
    const winner = earliest(runs);
    if (!winner) {
      throw new MlflowError({
        errorCode: 'INVALID_STATE',
        message: `the runs with idempotency key '${idempotencyKey}' were deleted meanwhile`,
        httpStatus: null,
        retryable: true,
      });
    }
    if (attempt) await deleteSurplus(http, runs, attempt, winner);
    if (round === MAX_ROUNDS) return winner;
    await sleep(wait);
    runs = await search();
    const confirmed = runs.find((r) => r.info.runId === winner.info.runId);
    if (confirmed && earliest(runs) === confirmed) return confirmed;
  }
};
