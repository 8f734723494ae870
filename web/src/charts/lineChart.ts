// A line chart over time: one or more stacked panels (one per metric) sharing the x axis, one
// coloured line per series, a legend, and a tooltip (<title>) on every point.
import { s } from '../dom.js';
import { dateTime, num } from '../format.js';
import type { LegendItem } from './frame.js';
import { colour, emptyChart, legend, legendRows, svgRoot, xAxis, yAxis } from './frame.js';
import { linear, niceDomain, ticks, timeTicks } from './scale.js';

export interface LinePoint {
  x: number;
  y: number | null;
  /** Extra tooltip lines. */
  note?: string;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LinePanel {
  title: string;
  series: LineSeries[];
  /** Fixed y range, else fitted to the data. */
  yDomain?: [number, number];
  format?: (value: number) => string;
}

export interface LineChartOptions {
  width?: number;
  panelHeight?: number;
  attrs?: Record<string, string>;
}

/** SVG path data through the points, broken where y is null. */
const pathOf = (points: { x: number; y: number | null }[]): string => {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (point.y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
    pen = true;
  }
  return d;
};

export const lineChart = (panels: LinePanel[], options: LineChartOptions = {}): SVGSVGElement => {
  const width = options.width ?? 720;
  const panelHeight = options.panelHeight ?? 170;
  const attrs = options.attrs ?? {};
  const all = panels.flatMap((panel) => panel.series.flatMap((series) => series.points));
  const valued = all.filter((point) => point.y !== null && Number.isFinite(point.y));
  if (valued.length === 0) return emptyChart(width, 160, attrs);

  // Series names across panels share colours, so the legend is one list.
  const names = [...new Set(panels.flatMap((panel) => panel.series.map((series) => series.name)))];
  const colourOf = (name: string): string => colour(names.indexOf(name));
  const legendItems: LegendItem[] = names.map((name) => ({ label: name, colour: colourOf(name) }));

  const margin = { left: 62, right: 16, bottom: 26 };
  const legendHeight = legendRows(legendItems, width - margin.left - margin.right) * 16 + 10;
  const gapBetween = 22;
  const top = legendHeight + 8;
  const height =
    top + panels.length * panelHeight + (panels.length - 1) * gapBetween + margin.bottom;

  let xMin = Math.min(...valued.map((point) => point.x));
  let xMax = Math.max(...valued.map((point) => point.x));
  if (xMin === xMax) {
    xMin -= 60_000;
    xMax += 60_000;
  }
  const x = linear([xMin, xMax], [margin.left, width - margin.right]);
  const marks = timeTicks(xMin, xMax, 6);

  const panelGroups = panels.map((panel, index) => {
    const panelTop = top + index * (panelHeight + gapBetween);
    const panelBottom = panelTop + panelHeight;
    const values = panel.series
      .flatMap((series) => series.points.map((point) => point.y))
      .filter((value): value is number => value !== null && Number.isFinite(value));
    const format = panel.format ?? ((value: number) => num(value, 3));
    const domain =
      panel.yDomain ??
      (values.length > 0
        ? niceDomain(Math.min(...values), Math.max(...values), 4)
        : ([0, 1] as [number, number]));
    const y = linear(domain, [panelBottom, panelTop + 6]);
    const isLast = index === panels.length - 1;
    return s(
      'g',
      { class: 'panel' },
      yAxis(
        y,
        margin.left,
        width - margin.right,
        ticks(domain[0], domain[1], 4),
        format,
        panel.title,
      ),
      isLast
        ? xAxis(x, panelBottom, panelTop, marks)
        : s(
            'g',
            { class: 'axis' },
            s('line', {
              x1: margin.left,
              x2: width - margin.right,
              y1: panelBottom,
              y2: panelBottom,
              class: 'axis-line',
            }),
          ),
      values.length === 0
        ? s(
            'text',
            {
              x: (margin.left + width) / 2,
              y: (panelTop + panelBottom) / 2,
              class: 'chart-empty',
              'text-anchor': 'middle',
            },
            'no data yet',
          )
        : null,
      panel.series.map((series) => {
        const stroke = colourOf(series.name);
        const sorted = [...series.points].sort((a, b) => a.x - b.x);
        const scaled = sorted.map((point) => ({
          x: x(point.x),
          y: point.y === null || !Number.isFinite(point.y) ? null : y(point.y),
        }));
        return s(
          'g',
          { class: 'series', 'data-series': series.name },
          s('path', { d: pathOf(scaled), fill: 'none', stroke, 'stroke-width': 2, class: 'line' }),
          sorted.map((point) =>
            point.y === null || !Number.isFinite(point.y)
              ? null
              : s(
                  'circle',
                  {
                    cx: x(point.x),
                    cy: y(point.y),
                    r: sorted.length > 120 ? 2 : 3,
                    fill: stroke,
                    class: 'point',
                  },
                  s(
                    'title',
                    null,
                    [
                      series.name,
                      `${panel.title}: ${format(point.y)}`,
                      dateTime(point.x),
                      point.note,
                    ]
                      .filter(Boolean)
                      .join('\n'),
                  ),
                ),
          ),
        );
      }),
    );
  });

  return svgRoot(
    width,
    height,
    attrs,
    legend(legendItems, margin.left, 16, width - margin.left - margin.right),
    panelGroups,
  );
};
