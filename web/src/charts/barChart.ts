// A bar chart over time slots (one bar per slot, e.g. events per minute).
import { s } from '../dom.js';
import { count as formatCount, dateTime } from '../format.js';
import { emptyChart, svgRoot, xAxis, yAxis } from './frame.js';
import { linear, niceDomain, ticks, timeTicks } from './scale.js';

export interface Bar {
  /** Start of the slot (epoch ms). */
  at: number;
  value: number;
}

export interface BarChartOptions {
  /** The slot's length in ms (a minute for per-minute counts). */
  slotMs: number;
  yTitle: string;
  unit: string;
  width?: number;
  height?: number;
  attrs?: Record<string, string>;
}

export const barChart = (bars: Bar[], options: BarChartOptions): SVGSVGElement => {
  const width = options.width ?? 640;
  const height = options.height ?? 200;
  const attrs = options.attrs ?? {};
  if (bars.length === 0) return emptyChart(width, height, attrs);
  const margin = { top: 12, right: 12, bottom: 26, left: 58 };
  const start = Math.min(...bars.map((bar) => bar.at));
  const end = Math.max(...bars.map((bar) => bar.at)) + options.slotMs;
  const x = linear([start, end], [margin.left, width - margin.right]);
  const max = Math.max(...bars.map((bar) => bar.value));
  const yDomain = niceDomain(0, Math.max(max, 1), 4);
  const y = linear([0, yDomain[1]], [height - margin.bottom, margin.top]);
  const slotWidth = x(start + options.slotMs) - x(start);
  const gap = slotWidth > 4 ? Math.min(2, slotWidth * 0.2) : 0;
  const integer = (value: number): string =>
    Number.isInteger(value) ? formatCount(value) : value.toFixed(1);
  return svgRoot(
    width,
    height,
    attrs,
    yAxis(y, margin.left, width - margin.right, ticks(0, yDomain[1], 4), integer, options.yTitle),
    xAxis(x, height - margin.bottom, margin.top, timeTicks(start, end, 6)),
    s(
      'g',
      { class: 'bars' },
      bars.map((bar) =>
        s(
          'rect',
          {
            x: x(bar.at) + gap / 2,
            y: y(bar.value),
            width: Math.max(slotWidth - gap, 0.5),
            height: Math.max(y(0) - y(bar.value), bar.value > 0 ? 1 : 0),
            class: 'bar',
          },
          s('title', null, `${dateTime(bar.at)}: ${formatCount(bar.value)} ${options.unit}`),
        ),
      ),
    ),
    // Invisible hover targets the full slot height, so empty slots have a tooltip too.
    s(
      'g',
      { class: 'hover-targets' },
      bars.map((bar) =>
        s(
          'rect',
          {
            x: x(bar.at),
            y: margin.top,
            width: Math.max(slotWidth, 0.5),
            height: y(0) - margin.top,
            class: 'hover-target',
          },
          s('title', null, `${dateTime(bar.at)}: ${formatCount(bar.value)} ${options.unit}`),
        ),
      ),
    ),
  );
};
