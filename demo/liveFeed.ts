// The demo's world going on after the champion is promoted: every step, the ERP asks for a
// prediction for each open work order (gRPC Predict, as of the world's clock), then the log
// moves on by a step of business time — outcomes arrive, new orders come, and once the clock
// passes the drift point the world follows new dynamics. Steps are paced in wall-clock time, so
// live evaluation (windows of wall-clock time) sees predictions and outcomes arrive.
import { status, type ServiceError } from '@grpc/grpc-js';
import { namedEventId } from '../activities/namedEventId.js';
import type { PredictResponse } from '../gen/hindsight/v1/models.js';
import type { DemoAppender } from './appendDemoHistory.js';
import type { DemoEvent } from './workOrders.js';

export interface LiveFeedStep {
  index: number;
  /** Business time the step predicted as of. */
  at: number;
  predictions: number;
  /** Versions that answered, and how often. */
  versions: Map<string, number>;
  appended: number;
  open: number;
  /** This step crossed the drift point. */
  driftStarted: boolean;
  /** The history is appended to its end. */
  finished: boolean;
}

export interface LiveFeedOptions {
  seed: number;
  history: readonly DemoEvent[];
  appender: DemoAppender;
  /** The history's events before this index are appended already. */
  from: number;
  stepMs: number;
  /** Wall-clock time between steps; a step that appended nothing new (a rerun) waits none. */
  paceMs: number;
  driftAt: number | null;
  predict(entityId: string, predictionId: string, asOfMs: number): Promise<PredictResponse>;
  onStep(step: LiveFeedStep): void;
  signal: AbortSignal;
}

const orderOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);

/** Work orders assigned and not completed after the history's first `until` events. */
export const openOrdersAfter = (history: readonly DemoEvent[], until: number): Set<string> => {
  const open = new Set<string>();
  for (let i = 0; i < until; i += 1) track(open, history[i] as DemoEvent);
  return open;
};

const track = (open: Set<string>, { streamId, event }: DemoEvent): void => {
  if (event.type === 'WorkOrderAssigned') open.add(orderOf(streamId));
  if (event.type === 'WorkOrderCompleted') open.delete(orderOf(streamId));
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** Up to `limit` calls at once; after a failure no new call starts, and the failure is thrown. */
const eachLimited = async <T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (!failed && next < items.length) {
        try {
          await run(items[next++] as T);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
};

/** Refusals a step shrugs off: the entity closed, or the server was briefly behind or busy. */
const SKIPPED_CODES = new Set<number>([
  status.NOT_FOUND,
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
]);

export const runLiveFeed = async (options: LiveFeedOptions): Promise<void> => {
  const { history, appender, stepMs, signal } = options;
  const open = openOrdersAfter(history, options.from);
  let index = options.from;
  let at = (history[index]?.event.occurredAt ?? 0) - 1;
  let drifted = options.driftAt !== null && at >= options.driftAt;
  for (let step = 0; index < history.length && !signal.aborted; step += 1) {
    const versions = new Map<string, number>();
    let predictions = 0;
    await eachLimited([...open].sort(), 8, async (entityId) => {
      if (signal.aborted) return;
      try {
        const made = await options.predict(
          entityId,
          namedEventId(`demo:${options.seed}:${at}:${entityId}`),
          at,
        );
        predictions += 1;
        versions.set(made.modelVersion, (versions.get(made.modelVersion) ?? 0) + 1);
      } catch (error) {
        // NOT_FOUND: closed by an event the view saw first. UNAVAILABLE or DEADLINE_EXCEEDED:
        // the live features lagged (a retraining or a burst on 2 cores); the next step asks again.
        if (!SKIPPED_CODES.has((error as ServiceError).code)) throw error;
      }
    });
    if (signal.aborted) return;
    at += stepMs;
    let to = index;
    while (to < history.length && (history[to]?.event.occurredAt ?? 0) <= at) to += 1;
    const { appended } = await appender.append(index, to);
    for (let i = index; i < to; i += 1) track(open, history[i] as DemoEvent);
    index = to;
    const driftStarted = !drifted && options.driftAt !== null && at >= options.driftAt;
    drifted ||= driftStarted;
    options.onStep({
      index: step,
      at,
      predictions,
      versions,
      appended,
      open: open.size,
      driftStarted,
      finished: index >= history.length,
    });
    if (appended > 0) await sleep(options.paceMs, signal);
  }
};
