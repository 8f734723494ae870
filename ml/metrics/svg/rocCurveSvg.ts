// ROC curves of several models on one chart, for a run's artifacts and for comparing a
// challenger with the champion at a glance.
import type { RocPoint } from '../rocCurve.js';
import { metricText } from './svgNumber.js';
import { polylinePoints, seriesColor, unitSquareChart } from './unitSquareChart.js';

export interface RocCurveSeries {
  name: string;
  points: readonly RocPoint[];
  /** Shown in the legend; null reads "n/a". */
  auc: number | null;
}

/** An SVG document (about 600×450) with one polyline per curve and a chance diagonal. */
export const rocCurveSvg = (curves: readonly RocCurveSeries[], title = 'ROC curve'): string =>
  unitSquareChart(
    { title, xLabel: 'False positive rate', yLabel: 'True positive rate' },
    curves.map(
      ({ points }, index) =>
        `<polyline fill="none" stroke="${seriesColor(index)}" stroke-width="2" points="${polylinePoints(points.map(({ fpr, tpr }) => ({ x: fpr, y: tpr })))}"/>`,
    ),
    curves.map(({ name, auc }, index) => ({
      name,
      detail: `AUC ${metricText(auc)}`,
      color: seriesColor(index),
    })),
  );
