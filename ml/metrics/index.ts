export { assertLabels, assertScoredLabels } from './scoredLabels.js';
export { rocAuc } from './rocAuc.js';
export { rocCurve, type RocPoint } from './rocCurve.js';
export { prAuc } from './prAuc.js';
export { prCurve, type PrPoint } from './prCurve.js';
export { DEFAULT_LOG_LOSS_EPS, logLoss } from './logLoss.js';
export { brierScore } from './brierScore.js';
export { DEFAULT_THRESHOLD, thresholdMetrics, type ThresholdMetrics } from './thresholdMetrics.js';
export {
  calibrationTable,
  DEFAULT_CALIBRATION_BINS,
  type CalibrationBin,
  type CalibrationTable,
} from './calibrationTable.js';
export { baseRateMetrics, type BaseRateMetrics } from './baseRateMetrics.js';
export {
  evaluateClassifier,
  type ClassifierMetrics,
  type EvaluateClassifierOptions,
} from './evaluateClassifier.js';
export { rocCurveSvg, type RocCurveSeries } from './svg/rocCurveSvg.js';
export { calibrationSvg, type CalibrationSeries } from './svg/calibrationSvg.js';
export {
  DEFAULT_BOOTSTRAP_CONFIDENCE,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_BOOTSTRAP_SEED,
  pairedBootstrap,
  type GainInterval,
  type PairedBootstrapInput,
} from './pairedBootstrap.js';
