// A reliability diagram: mean predicted probability (x) against the observed positive rate (y)
// per score bin, the diagonal as perfect calibration, point area by the bin's count.
import type { CalibrationPoint } from '../../../services/console/api.js';
import { s } from '../dom.js';
import { count as formatCount, num } from '../format.js';
import { emptyChart, legend, svgRoot, xAxis, yAxis } from './frame.js';
import { linear, ticks } from './scale.js';

export interface CalibrationOptions {
  label: string;
  size?: number;
  attrs?: Record<string, string>;
}

export const calibrationPlot = (
  bins: CalibrationPoint[],
  options: CalibrationOptions,
): SVGSVGElement => {
  const size = options.size ?? 380;
  const attrs = options.attrs ?? {};
  const points = bins
    .filter(
      (bin): bin is CalibrationPoint & { meanPredicted: number; observedRate: number } =>
        bin.count > 0 && bin.meanPredicted !== null && bin.observedRate !== null,
    )
    .sort((a, b) => a.meanPredicted - b.meanPredicted);
  if (points.length === 0) return emptyChart(size, size * 0.6, attrs);
  const margin = { top: 34, right: 14, bottom: 40, left: 62 };
  const plot = size - margin.left - margin.right;
  const height = margin.top + plot + margin.bottom;
  const x = linear([0, 1], [margin.left, margin.left + plot]);
  const y = linear([0, 1], [margin.top + plot, margin.top]);
  const grid = ticks(0, 1, 5);
  const maxCount = Math.max(...points.map((point) => point.count));
  const radius = (n: number): number => 3 + 9 * Math.sqrt(n / maxCount);
  const path = points
    .map(
      (point, i) =>
        `${i === 0 ? 'M' : 'L'}${x(point.meanPredicted).toFixed(1)},${y(point.observedRate).toFixed(1)}`,
    )
    .join('');
  const label = (value: number): string => num(value, 1);
  return svgRoot(
    size,
    height,
    attrs,
    legend(
      [
        { label: 'perfect calibration', colour: '#9ca3af', mark: 'dashed' },
        { label: options.label, colour: '#2563eb' },
      ],
      margin.left,
      16,
      plot,
    ),
    yAxis(y, margin.left, margin.left + plot, grid, label, 'observed positive rate'),
    xAxis(
      x,
      margin.top + plot,
      margin.top,
      grid.map((at) => ({ at, label: label(at) })),
    ),
    s(
      'text',
      { x: margin.left + plot / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis-title' },
      'mean predicted probability',
    ),
    s('line', {
      x1: x(0),
      y1: y(0),
      x2: x(1),
      y2: y(1),
      class: 'diagonal',
      stroke: '#9ca3af',
      'stroke-dasharray': '5 3',
    }),
    s('path', { d: path, fill: 'none', stroke: '#2563eb', 'stroke-width': 2, class: 'line' }),
    points.map((point) =>
      s(
        'circle',
        {
          cx: x(point.meanPredicted),
          cy: y(point.observedRate),
          r: radius(point.count),
          class: 'calibration-point',
          fill: '#2563eb',
          'fill-opacity': 0.35,
          stroke: '#2563eb',
        },
        s(
          'title',
          null,
          `scores ${num(point.lower, 2)}–${num(point.upper, 2)}\n` +
            `predicted ${num(point.meanPredicted, 3)}, observed ${num(point.observedRate, 3)}\n` +
            `${formatCount(point.count)} predictions`,
        ),
      ),
    ),
  );
};
