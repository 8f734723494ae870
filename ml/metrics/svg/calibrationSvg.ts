// Reliability diagram: observed positive rate against mean predicted probability per bin. A
// calibrated model follows the diagonal; point size shows how many rows back each bin, so a
// wild point resting on three rows is not mistaken for a real problem.
import type { CalibrationTable } from '../calibrationTable.js';
import { metricText, svgNumber } from './svgNumber.js';
import { polylinePoints, seriesColor, toX, toY, unitSquareChart } from './unitSquareChart.js';

export interface CalibrationSeries {
  name: string;
  table: CalibrationTable;
}

// Radius grows with the square root of the bin's share of rows, so area tracks the share.
const radius = (count: number, rows: number): string =>
  svgNumber(2 + 10 * Math.sqrt(rows === 0 ? 0 : count / rows));

const seriesElements = ({ table }: CalibrationSeries, index: number): string[] => {
  const color = seriesColor(index);
  const rows = table.bins.reduce((sum, { count }) => sum + count, 0);
  const filled = table.bins.flatMap(({ meanPredicted, observedRate, count }) =>
    meanPredicted === null || observedRate === null
      ? []
      : [{ x: meanPredicted, y: observedRate, count }],
  );
  return [
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${polylinePoints(filled)}"/>`,
    ...filled.map(
      ({ x, y, count }) =>
        `<circle cx="${toX(x)}" cy="${toY(y)}" r="${radius(count, rows)}" fill="${color}" fill-opacity="0.5" stroke="${color}"/>`,
    ),
  ];
};

/** An SVG document (about 600×450) with one polyline of bin points per table. */
export const calibrationSvg = (
  tables: readonly CalibrationSeries[],
  title = 'Reliability diagram',
): string =>
  unitSquareChart(
    { title, xLabel: 'Mean predicted probability', yLabel: 'Observed positive rate' },
    tables.flatMap(seriesElements),
    tables.map(({ name, table }, index) => ({
      name,
      detail: `ECE ${metricText(table.expectedCalibrationError)}`,
      color: seriesColor(index),
    })),
    'Point area: rows in the bin',
  );
