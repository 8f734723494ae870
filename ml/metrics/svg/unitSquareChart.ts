// The frame shared by charts whose axes both run over [0, 1] (ROC, reliability): a square
// plot area with ticks, grid, axis titles and the diagonal that both charts compare against,
// and a legend column on the right. Sized for MLflow's artifact preview.
import { escapeXml } from './escapeXml.js';
import { legend, type LegendEntry } from './legend.js';
import { svgNumber } from './svgNumber.js';

export const WIDTH = 600;
export const HEIGHT = 450;
const LEFT = 60;
const TOP = 40;
const SIZE = 350;
const LEGEND_X = LEFT + SIZE + 20;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

// Colour-blind-safe (Okabe–Ito), cycled when there are more series than colours.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442'];

export const seriesColor = (index: number): string => PALETTE[index % PALETTE.length] ?? '#000';

/** Pixel x of a value in [0, 1]. */
export const toX = (value: number): string => svgNumber(LEFT + value * SIZE);
/** Pixel y of a value in [0, 1]; SVG's y grows downwards. */
export const toY = (value: number): string => svgNumber(TOP + (1 - value) * SIZE);

// A curve over 100,000 distinct scores would make a megabyte file of invisible detail: a point
// closer than half a pixel to the last one kept is dropped (the last point always stays).
const MIN_STEP_PX = 0.5;

/** `points` attribute of a polyline, thinned to points at least half a pixel apart. */
export const polylinePoints = (points: readonly { x: number; y: number }[]): string => {
  const kept: { x: number; y: number }[] = [];
  points.forEach((point, index) => {
    const last = kept.at(-1);
    // Written as "not near" so that a NaN point is kept, and refused when it is drawn.
    const near =
      last !== undefined &&
      Math.abs(point.x - last.x) * SIZE < MIN_STEP_PX &&
      Math.abs(point.y - last.y) * SIZE < MIN_STEP_PX;
    if (!near) kept.push(point);
    else if (index === points.length - 1) kept[kept.length - 1] = point;
  });
  return kept.map(({ x, y }) => `${toX(x)},${toY(y)}`).join(' ');
};

export interface ChartText {
  title: string;
  xLabel: string;
  yLabel: string;
}

const axes = ({ xLabel, yLabel }: ChartText): string[] => {
  const lines = TICKS.flatMap((tick) => [
    `<line x1="${toX(tick)}" y1="${toY(0)}" x2="${toX(tick)}" y2="${toY(1)}" stroke="#e5e5e5"/>`,
    `<line x1="${toX(0)}" y1="${toY(tick)}" x2="${toX(1)}" y2="${toY(tick)}" stroke="#e5e5e5"/>`,
    `<text x="${toX(tick)}" y="${svgNumber(TOP + SIZE + 16)}" text-anchor="middle">${svgNumber(tick)}</text>`,
    `<text x="${svgNumber(LEFT - 6)}" y="${svgNumber(TOP + (1 - tick) * SIZE + 4)}" text-anchor="end">${svgNumber(tick)}</text>`,
  ]);
  const middle = svgNumber(TOP + SIZE / 2);
  return [
    ...lines,
    `<rect x="${LEFT}" y="${TOP}" width="${SIZE}" height="${SIZE}" fill="none" stroke="#333"/>`,
    `<text x="${toX(0.5)}" y="${svgNumber(TOP + SIZE + 38)}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${middle}" text-anchor="middle" transform="rotate(-90 16 ${middle})">${escapeXml(yLabel)}</text>`,
    `<line x1="${toX(0)}" y1="${toY(0)}" x2="${toX(1)}" y2="${toY(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
  ];
};

/** The whole SVG document: frame, then the series' own elements, then the legend. */
export const unitSquareChart = (
  text: ChartText,
  series: readonly string[],
  entries: readonly LegendEntry[],
  note?: string,
): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(text.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${toX(0.5)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(text.title)}</text>`,
    ...axes(text),
    ...series,
    ...legend(entries, note, { x: LEGEND_X, top: TOP + 10 }),
    '</svg>',
  ].join('\n');
