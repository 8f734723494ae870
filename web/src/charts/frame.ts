// The parts every chart shares: the SVG element, the "no data yet" state, axes and a legend.
import type { Child } from '../dom.js';
import { s } from '../dom.js';
import type { Scale } from './scale.js';

export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#059669',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

export const colour = (index: number): string => PALETTE[index % PALETTE.length] ?? '#2563eb';

export const svgRoot = (
  width: number,
  height: number,
  attrs: Record<string, string>,
  ...children: Child[]
): SVGSVGElement =>
  s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      class: 'chart',
      role: 'img',
      preserveAspectRatio: 'xMinYMin meet',
      ...attrs,
    },
    ...children,
  );

export const emptyChart = (
  width: number,
  height: number,
  attrs: Record<string, string>,
  message = 'no data yet',
): SVGSVGElement =>
  svgRoot(
    width,
    height,
    { ...attrs, 'data-empty': 'true' },
    s('rect', { x: 0.5, y: 0.5, width: width - 1, height: height - 1, class: 'chart-empty-box' }),
    s(
      'text',
      { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' },
      message,
    ),
  );

/** A horizontal axis at `y` with ticks and labels, and light vertical grid lines up to `top`. */
export const xAxis = (
  x: Scale,
  y: number,
  top: number,
  marks: { at: number; label: string }[],
): SVGGElement => {
  const [d0, d1] = x.domain;
  return s(
    'g',
    { class: 'axis x-axis' },
    s('line', { x1: x(d0), x2: x(d1), y1: y, y2: y, class: 'axis-line' }),
    marks.map(({ at, label }) =>
      s(
        'g',
        null,
        s('line', { x1: x(at), x2: x(at), y1: top, y2: y, class: 'grid' }),
        s('line', { x1: x(at), x2: x(at), y1: y, y2: y + 4, class: 'axis-line' }),
        s('text', { x: x(at), y: y + 16, 'text-anchor': 'middle' }, label),
      ),
    ),
  );
};

/** A vertical axis at `x` with ticks, labels, horizontal grid lines to `right`, and a title. */
export const yAxis = (
  y: Scale,
  x: number,
  right: number,
  values: number[],
  format: (value: number) => string,
  title?: string,
): SVGGElement => {
  const [d0, d1] = y.domain;
  return s(
    'g',
    { class: 'axis y-axis' },
    s('line', { x1: x, x2: x, y1: y(d0), y2: y(d1), class: 'axis-line' }),
    values.map((value) =>
      s(
        'g',
        null,
        s('line', { x1: x, x2: right, y1: y(value), y2: y(value), class: 'grid' }),
        s('line', { x1: x - 4, x2: x, y1: y(value), y2: y(value), class: 'axis-line' }),
        s('text', { x: x - 7, y: y(value) + 4, 'text-anchor': 'end' }, format(value)),
      ),
    ),
    title
      ? s(
          'text',
          {
            class: 'axis-title',
            transform: `translate(${x - 44} ${(y(d0) + y(d1)) / 2}) rotate(-90)`,
            'text-anchor': 'middle',
          },
          title,
        )
      : null,
  );
};

export interface LegendItem {
  label: string;
  colour: string;
  /** 'line' (default), 'dashed', 'dot' or 'bar'. */
  mark?: 'line' | 'dashed' | 'dot' | 'bar';
}

/** A one-row legend starting at (x, y); items wrap onto new rows past `maxWidth`. */
export const legend = (
  items: LegendItem[],
  x: number,
  y: number,
  maxWidth: number,
): SVGGElement => {
  let cx = x;
  let cy = y;
  const parts: SVGElement[] = [];
  for (const item of items) {
    const width = 26 + item.label.length * 6.6 + 14;
    if (cx + width > x + maxWidth && cx > x) {
      cx = x;
      cy += 16;
    }
    const mark =
      item.mark === 'dot'
        ? s('circle', { cx: cx + 9, cy: cy - 4, r: 4, fill: item.colour, class: 'legend-dot' })
        : item.mark === 'bar'
          ? s('rect', { x: cx + 2, y: cy - 9, width: 14, height: 10, fill: item.colour })
          : s('line', {
              x1: cx,
              x2: cx + 18,
              y1: cy - 4,
              y2: cy - 4,
              stroke: item.colour,
              'stroke-width': 2.5,
              'stroke-dasharray': item.mark === 'dashed' ? '5 3' : null,
            });
    parts.push(
      s(
        'g',
        { class: 'legend-item' },
        mark,
        s('text', { x: cx + 24, y: cy, class: 'legend-text' }, item.label),
      ),
    );
    cx += width;
  }
  return s('g', { class: 'legend' }, parts);
};

/** How many legend rows `legend` will use. */
export const legendRows = (items: LegendItem[], maxWidth: number): number => {
  let rows = items.length > 0 ? 1 : 0;
  let used = 0;
  for (const item of items) {
    const width = 26 + item.label.length * 6.6 + 14;
    if (used + width > maxWidth && used > 0) {
      rows += 1;
      used = 0;
    }
    used += width;
  }
  return rows;
};
