// Evaluates in two steps on rows no decision has seen: the challengers on the validation window,
// where the best one is selected; then the selected challenger and the current champion on the
// test window's rows that neither trained on, with a paired bootstrap of the gain, where the
// promotion decides. Every metric of `ml/metrics`, a constant predictor at the training base
// rate as the baseline, ROC and reliability plots (SVG, shown by MLflow's UI), all logged to an
// evaluation run; each challenger's training run and model version get its figures too.
import { ApplicationFailure } from '@temporalio/activity';
import { firstAttempt, heartbeat } from '../heartbeat.js';
import {
  baseRateMetrics,
  calibrationSvg,
  calibrationTable,
  evaluateClassifier,
  rocCurve,
  rocCurveSvg,
  type ClassifierMetrics,
} from '../../ml/metrics/index.js';
import { pairedBootstrap, type GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import {
  METRIC_DIRECTIONS,
  loggedMetricKey,
  type Metrics,
} from '../../ml/promotion/metricDirections.js';
import { parsePromotionRules } from '../../ml/promotion/parsePromotionRules.js';
import { comparePositions, type Position } from '../../eventstore/index.js';
import { loadModel } from '../../ml/trainers/registry.js';
import type { ModelArtifact } from '../../ml/trainers/types.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { experimentOf } from '../datasets/datasetRun.js';
import {
  MODEL_TAGS,
  currentChampion,
  parsePositionTag,
  readModelArtifact,
} from '../../platform/modelRegistry.js';
import { fetchPublishedDataset, handedDataset } from './publishedDataset.js';
import { readDatasetSplits, type LabelledSet } from './readSplits.js';
import type { EvaluateModelsInput, EvaluatedModel, Evaluation } from './types.js';

export interface EvaluateModelsDeps {
  mlflow: MlflowClient;
  workDir: string;
  /** The code's commit, on the evaluation run's `mlflow.source.git.commit` tag. */
  gitCommit?: string;
}

/** The figures promotion rules compare, from the full metrics. */
export const comparableMetrics = (m: ClassifierMetrics): Metrics => ({
  rocAuc: m.rocAuc,
  prAuc: m.prAuc,
  logLoss: m.logLoss,
  brier: m.brier,
  accuracy: m.accuracy,
  precision: m.precision,
  recall: m.recall,
  f1: m.f1,
  ece: m.ece,
});

interface LoadedVersion {
  version: string;
  artifact: ModelArtifact;
  /**
   * Every row the version trained on was observed before this position; null when its tags do
   * not say (a version registered outside Hindsight): then no row can be shown unseen.
   */
  trainedBefore: Position | null;
}

const loadVersion = async (
  mlflow: MlflowClient,
  modelName: string,
  version: string,
): Promise<LoadedVersion> => {
  const registered = await mlflow.getModelVersion({ name: modelName, version });
  if (!registered.runId) {
    throw ApplicationFailure.nonRetryable(
      `model ${modelName} v${version} has no run: it was not trained by Hindsight`,
      'MODEL_NOT_LOADABLE',
    );
  }
  const { tags } = registered;
  const cut = /^[0-9]{1,16}$/.test(tags[MODEL_TAGS.cut] ?? '')
    ? Number(tags[MODEL_TAGS.cut])
    : null;
  return {
    version,
    artifact: await readModelArtifact(mlflow, registered.runId),
    // Versions trained before the tag existed learnt from rows below their dataset's cut.
    trainedBefore:
      parsePositionTag(tags[MODEL_TAGS.trainedBefore]) ??
      (cut === null ? null : { transactionId: cut, globalPosition: 0 }),
  };
};

/** The rows of a set at or after a position, in their order. */
const rowsFrom = (set: LabelledSet, from: Position): LabelledSet => {
  const keep = set.positions.map((position) => comparePositions(position, from) >= 0);
  const pick = <T>(values: T[]): T[] => values.filter((_, i) => keep[i]);
  return {
    featureNames: set.featureNames,
    rows: pick(set.rows),
    labels: pick(set.labels),
    observedAt: pick(set.observedAt),
    positions: pick(set.positions),
  };
};

interface Scored {
  name: string;
  version: string;
  scores: number[];
  metrics: ClassifierMetrics;
}

const score = (
  loaded: LoadedVersion,
  role: string,
  set: LabelledSet,
  threshold: number,
): Scored => {
  heartbeat({ scoring: `${role} v${loaded.version}`, rows: set.rows.length });
  const scores = loadModel(loaded.artifact).predict(set.rows);
  return {
    name: `${role} v${loaded.version}`,
    version: loaded.version,
    scores,
    metrics: evaluateClassifier(set.labels, scores, { threshold }),
  };
};

/** The challenger best on the primary metric (the first of equals; one without it never). */
const selectBest = (scored: readonly Scored[], primary: string): Scored => {
  const higher = METRIC_DIRECTIONS[primary as keyof typeof METRIC_DIRECTIONS] !== 'lower';
  let best = scored[0] as Scored;
  for (const candidate of scored) {
    const value = comparableMetrics(candidate.metrics)[primary] ?? null;
    const bestValue = comparableMetrics(best.metrics)[primary] ?? null;
    if (value === null) continue;
    if (bestValue === null || (higher ? value > bestValue : value < bestValue)) best = candidate;
  }
  return best;
};

const metricsFrom = (prefix: string, metrics: ClassifierMetrics) =>
  Object.entries(comparableMetrics(metrics))
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .map(([key, value]) => ({ key: `${prefix}${loggedMetricKey(key)}`, value }));

export const evaluateModels = async (
  { mlflow, workDir, gitCommit }: EvaluateModelsDeps,
  input: EvaluateModelsInput,
): Promise<Evaluation> => {
  const { workflowId, view, modelName, challengers, threshold, rules: givenRules } = input;
  const ref = handedDataset(input);
  if (challengers.length === 0) {
    throw ApplicationFailure.nonRetryable('no challenger to evaluate', 'INVALID_ARGUMENT');
  }
  const rules = parsePromotionRules(givenRules ?? {});
  const primary = rules.primaryMetric;
  const datasetDigest = ref.digest;
  const dataset = await fetchPublishedDataset(mlflow, workDir, view, ref);
  const { train, validation, test } = await readDatasetSplits(
    dataset.manifest,
    dataset.parquetFile,
    workDir,
    ['train', 'validation', 'test'],
  );
  if (train.labels.length === 0 || validation.labels.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `dataset ${datasetDigest.slice(0, 12)} has ${train.labels.length} train and ` +
        `${validation.labels.length} validation rows: nothing to evaluate on`,
      'DATASET_TOO_SMALL',
    );
  }

  // Step 1, selection: every challenger on the validation window.
  const loaded = await Promise.all(
    challengers.map((challenger) => loadVersion(mlflow, modelName, challenger.version)),
  );
  const onValidation = loaded.map((version, i) =>
    score(version, challengers[i]?.trainer ?? 'challenger', validation, threshold),
  );
  const selected = selectBest(onValidation, primary);
  const selectedIndex = onValidation.indexOf(selected);
  const selectedVersion = loaded[selectedIndex] as LoadedVersion;

  // Step 2, decision: the selected challenger and the champion on the rows of the test window
  // (the validation window's when there is none) that neither trained on.
  const decisionWindow = test.labels.length > 0 ? 'test' : 'validation';
  const window = decisionWindow === 'test' ? test : validation;
  const championVersion = await currentChampion(mlflow, modelName);
  const champion =
    championVersion === null ? null : await loadVersion(mlflow, modelName, championVersion);
  const unseenFrom = [selectedVersion.trainedBefore, champion ? champion.trainedBefore : null]
    .filter((position): position is Position => position !== null)
    .reduce<Position | null>(
      (latest, position) =>
        latest === null || comparePositions(position, latest) > 0 ? position : latest,
      null,
    );
  // A champion that does not say what it trained on cannot be shown any row it did not see.
  const unknownChampion = champion !== null && champion.trainedBefore === null;
  const decision = unknownChampion
    ? rowsFrom(window, { transactionId: Number.MAX_SAFE_INTEGER, globalPosition: 0 })
    : unseenFrom === null
      ? window
      : rowsFrom(window, unseenFrom);
  const excludedRows = window.labels.length - decision.labels.length;
  const role = challengers[selectedIndex]?.trainer ?? 'challenger';
  const decided = decision.labels.length > 0;
  const challengerOnDecision = decided ? score(selectedVersion, role, decision, threshold) : null;
  const championOnDecision =
    champion && decided ? score(champion, 'champion', decision, threshold) : null;
  const base = decided ? baseRateMetrics(train.labels, decision.labels) : null;
  const baseline: Metrics = base
    ? { rocAuc: base.rocAuc, prAuc: base.prAuc, logLoss: base.logLoss, brier: base.brier }
    : {};
  let interval: GainInterval | null = null;
  let intervalNote: string | null = null;
  if (rules.significance && challengerOnDecision && base) {
    heartbeat({ bootstrap: rules.significance.resamples, rows: decision.labels.length });
    try {
      interval = pairedBootstrap({
        labels: decision.labels,
        challenger: challengerOnDecision.scores,
        reference: championOnDecision?.scores ?? decision.labels.map(() => base.baseRate),
        metric: primary,
        threshold,
        confidence: rules.significance.confidence,
        resamples: rules.significance.resamples,
      });
    } catch (error) {
      // Too few rows or one class only: the decision records that no interval could be had.
      intervalNote = error instanceof Error ? error.message : String(error);
    }
  }

  heartbeat({ logging: true });
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `evaluate:${workflowId}`,
    exclusive: firstAttempt(),
    runName: `evaluate ${modelName} on ${datasetDigest.slice(0, 12)}`,
    tags: {
      'hindsight.kind': 'evaluation',
      [MODEL_TAGS.view]: view,
      [MODEL_TAGS.datasetDigest]: datasetDigest,
      [MODEL_TAGS.datasetRunId]: ref.runId,
      [MODEL_TAGS.workflowId]: workflowId,
      ...(gitCommit ? { 'mlflow.source.git.commit': gitCommit } : {}),
      ...(input.pipelineRunId ? { 'mlflow.parentRunId': input.pipelineRunId } : {}),
      ...(intervalNote === null ? {} : { 'hindsight.interval_note': intervalNote.slice(0, 5000) }),
    },
  });
  const runId = run.info.runId;
  // A tag, not a param (written once): a retry may find another champion than the first try.
  await mlflow.setTag({
    runId,
    key: 'hindsight.champion_version',
    value: championVersion ?? 'none',
  });
  const decisionScored = [championOnDecision, challengerOnDecision].filter(
    (s): s is Scored => s !== null,
  );
  await mlflow.logBatch({
    runId,
    params: {
      model: modelName,
      dataset_digest: datasetDigest,
      dataset_run_id: ref.runId,
      threshold,
      primary_metric: primary,
      selected_version: selected.version,
      decision_window: decisionWindow,
    },
    metrics: [
      { key: 'validation_rows', value: validation.labels.length },
      { key: 'test_rows', value: test.labels.length },
      { key: 'decision_rows', value: decision.labels.length },
      { key: 'excluded_rows', value: excludedRows },
      ...(base
        ? [
            { key: 'baseline.log_loss', value: base.logLoss },
            { key: 'baseline.brier', value: base.brier },
          ]
        : []),
      ...onValidation.flatMap(({ version, metrics }) => metricsFrom(`v${version}.val_`, metrics)),
      ...decisionScored.flatMap(({ version, metrics }) =>
        metricsFrom(`v${version}.${decisionWindow}_`, metrics),
      ),
      ...(interval
        ? [
            { key: 'gain', value: interval.gain },
            { key: 'gain_lower', value: interval.lower },
            { key: 'gain_upper', value: interval.upper },
            { key: 'gain_standard_error', value: interval.standardError },
          ]
        : []),
    ],
  });
  const upload = (path: string, text: string, contentType: string) =>
    mlflow.uploadArtifact({ runId, path, content: Buffer.from(text), contentType });
  const plotted = decisionScored.length > 0 ? decisionScored : onValidation;
  const plotSet = decisionScored.length > 0 ? decision : validation;
  await upload(
    'plots/roc.svg',
    rocCurveSvg(
      plotted.map(({ name, metrics, scores }) => ({
        name,
        auc: metrics.rocAuc,
        points: rocCurve(plotSet.labels, scores) ?? [],
      })),
      `ROC on ${plotSet.labels.length} ${plotSet === decision ? decisionWindow : 'validation'} rows`,
    ),
    'image/svg+xml',
  );
  await upload(
    'plots/calibration.svg',
    calibrationSvg(
      plotted.map(({ name, scores }) => ({
        name,
        table: calibrationTable(plotSet.labels, scores),
      })),
    ),
    'image/svg+xml',
  );
  const evaluated = (s: Scored): EvaluatedModel => ({
    version: s.version,
    metrics: comparableMetrics(s.metrics),
  });
  const evaluation: Evaluation = {
    runId,
    validationRows: validation.labels.length,
    challengers: onValidation.map(evaluated),
    selected: selected.version,
    decisionWindow,
    decisionRows: decision.labels.length,
    excludedRows,
    challenger: challengerOnDecision
      ? evaluated(challengerOnDecision)
      : { version: selected.version, metrics: {} },
    champion:
      champion && championOnDecision
        ? evaluated(championOnDecision)
        : champion
          ? { version: champion.version, metrics: {} }
          : null,
    baseline,
    interval,
  };
  await upload(
    'evaluation.json',
    `${JSON.stringify(
      {
        ...evaluation,
        full: [...onValidation, ...decisionScored].map(({ name, metrics }) => ({ name, metrics })),
      },
      null,
      2,
    )}\n`,
    'application/json',
  );
  // Each challenger's own run and version carry its validation figures (and the selected one
  // its decision figures).
  for (const [i, challenger] of challengers.entries()) {
    const metrics = onValidation[i]?.metrics;
    if (!metrics || challenger.reused) continue;
    await mlflow.logBatch({
      runId: challenger.runId,
      metrics: [
        ...metricsFrom('val_', metrics),
        ...(i === selectedIndex && challengerOnDecision
          ? metricsFrom(`${decisionWindow}_`, challengerOnDecision.metrics)
          : []),
      ],
    });
    if (metrics.rocAuc !== null) {
      await mlflow.setModelVersionTag({
        name: modelName,
        version: challenger.version,
        key: MODEL_TAGS.validationRocAuc,
        value: metrics.rocAuc.toFixed(4),
      });
    }
  }
  await mlflow.updateRun({ runId, status: 'FINISHED' });
  return evaluation;
};
