// Evaluates the live windows that can no longer change (every prediction's label horizon has
// passed and the log was read beyond it), per model version: metrics to MLflow (one run per
// version, a step per window, the window's end as the timestamp) and a `ModelEvaluated` event
// per version and window, under an id derived from them, so that a retry adds nothing.
import type pg from 'pg';
import type { EventStore } from '../../eventstore/index.js';
import {
  evaluateWindow,
  windowOf,
  type LivePrediction,
  type VersionWindowMetrics,
} from '../../ml/monitoring/liveWindows.js';
import {
  firstLivePredictionAt,
  livePredictionsBetween,
} from '../../ml/monitoring/liveEvaluationTables.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { experimentOf } from '../datasets/datasetRun.js';
import { firstAttempt, heartbeat } from '../heartbeat.js';
import {
  MODEL_EVALUATED,
  evaluationStreamOf,
  type ModelEvaluated,
} from '../../platform/evaluationEvents.js';
import { namedEventId } from '../namedEventId.js';

// bench/ still imports this name from here; its home is platform/.
export { MODEL_EVALUATED, evaluationStreamOf };

export interface EvaluateLiveWindowsDeps {
  store: Pick<EventStore, 'append'>;
  pool: pg.Pool;
  mlflow: MlflowClient;
  gitCommit?: string;
}

export interface EvaluateLiveWindowsInput {
  name: string;
  modelName: string;
  view: string;
  windowMs: number;
  labelHorizonMs: number;
  /** The first window not evaluated yet; null: the window of the first prediction. */
  fromWindow: number | null;
  /** Figures as of this time: windows that closed before it are evaluated. */
  asOf: number;
  maxWindows?: number;
}

/** What the workflow keeps of one version in one window. */
export interface LiveWindowSummary {
  index: number;
  start: number;
  end: number;
  versions: Omit<VersionWindowMetrics, 'calibration'>[];
}

export interface EvaluateLiveWindowsResult {
  /** The next window to evaluate; null while there has been no prediction at all. */
  nextWindow: number | null;
  windows: LiveWindowSummary[];
}

/** The MLflow metric of each figure; a null figure is not logged. */
const METRIC_KEYS = {
  rocAuc: 'live_roc_auc',
  prAuc: 'live_pr_auc',
  logLoss: 'live_log_loss',
  brier: 'live_brier',
  ece: 'live_ece',
  labelCoverage: 'live_label_coverage',
  positiveRate: 'live_positive_rate',
  meanScore: 'live_mean_score',
  predictions: 'live_predictions',
  labelled: 'live_labelled',
} as const satisfies Partial<Record<keyof VersionWindowMetrics, string>>;

const firstWindow = async (
  pool: pg.Pool,
  name: string,
  windowMs: number,
): Promise<number | null> => {
  const at = await firstLivePredictionAt(pool, name);
  return at === null ? null : windowOf(at, windowMs).index;
};

/** The MLflow run of one model version's live figures, created once. */
const liveRunOf = async (
  mlflow: MlflowClient,
  { name, modelName, view }: EvaluateLiveWindowsInput,
  version: string,
  gitCommit: string | undefined,
): Promise<string> => {
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `live:${name}:${version}`,
    exclusive: firstAttempt(),
    runName: `live ${modelName} v${version}`,
    tags: {
      'hindsight.kind': 'live-evaluation',
      'hindsight.live_evaluation': name,
      'hindsight.model_name': modelName,
      'hindsight.model_version': version,
      ...(gitCommit ? { 'mlflow.source.git.commit': gitCommit } : {}),
    },
  });
  return run.info.runId;
};

export const evaluateLiveWindows = async (
  { store, pool, mlflow, gitCommit }: EvaluateLiveWindowsDeps,
  input: EvaluateLiveWindowsInput,
): Promise<EvaluateLiveWindowsResult> => {
  const { name, windowMs, labelHorizonMs, asOf, maxWindows = 200 } = input;
  const from = input.fromWindow ?? (await firstWindow(pool, name, windowMs));
  if (from === null) return { nextWindow: null, windows: [] };
  // Windows whose every label horizon has passed by `asOf`.
  const closed = Math.floor((asOf - labelHorizonMs) / windowMs) - 1;
  const until = Math.min(closed, from + maxWindows - 1);
  if (until < from) return { nextWindow: from, windows: [] };
  const byWindow = new Map<number, LivePrediction[]>();
  for (const row of await livePredictionsBetween(
    pool,
    name,
    from * windowMs,
    (until + 1) * windowMs,
  )) {
    const { index } = windowOf(row.predictedAt, windowMs);
    const rows = byWindow.get(index);
    if (rows) rows.push(row);
    else byWindow.set(index, [row]);
  }
  const windows: LiveWindowSummary[] = [];
  const runs = new Map<string, string>();
  for (let index = from; index <= until; index += 1) {
    const start = index * windowMs;
    const evaluation = evaluateWindow({
      rows: byWindow.get(index) ?? [],
      windowStart: start,
      windowMs,
      labelHorizonMs,
      asOf,
    });
    if (!evaluation.closed) throw new Error(`window ${index} is not closed as of ${asOf}`);
    for (const figures of evaluation.versions) {
      const version = figures.modelVersion;
      const runId = runs.get(version) ?? (await liveRunOf(mlflow, input, version, gitCommit));
      runs.set(version, runId);
      await mlflow.logBatch({
        runId,
        metrics: Object.entries(METRIC_KEYS).flatMap(([field, key]) => {
          const value = figures[field as keyof typeof METRIC_KEYS];
          return value === null
            ? []
            : [{ key, value, timestamp: evaluation.windowEnd, step: index }];
        }),
      });
      const data: ModelEvaluated = {
        evaluation: name,
        modelName: input.modelName,
        window: { index, start, end: evaluation.windowEnd, labelHorizonMs },
        ...figures,
        calibration: figures.calibration ? [...figures.calibration] : null,
      };
      await store.append(
        evaluationStreamOf(name),
        [
          {
            eventId: namedEventId(`${name}/${MODEL_EVALUATED}/${version}/${index}`),
            type: MODEL_EVALUATED,
            data,
            occurredAt: evaluation.windowEnd,
          },
        ],
        { kind: 'any' },
      );
    }
    const { versions } = evaluation;
    windows.push({
      index,
      start,
      end: evaluation.windowEnd,
      versions: versions.map(({ calibration: _calibration, ...rest }) => rest),
    });
    heartbeat({ window: index });
  }
  return { nextWindow: until + 1, windows };
};
