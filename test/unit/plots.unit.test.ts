// Unit tests of the SVG plots: well-formed XML, one line per model, legends with the metric,
// names escaped, and the same bytes for the same input.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { createRandom } from '../../demo/random.js';
import type { Label } from '../../ml/featureView.js';
import {
  calibrationSvg,
  calibrationTable,
  rocAuc,
  rocCurve,
  rocCurveSvg,
  type RocCurveSeries,
} from '../../ml/metrics/index.js';
import { HindsightError } from '../../platform/errors.js';

/** The open tags left unclosed, or the first tag that closes the wrong element. */
const unbalancedTags = (xml: string): string[] => {
  const stack: string[] = [];
  for (const [tag, closing, name, selfClosing] of xml.matchAll(
    /<(\/?)([A-Za-z][\w:-]*)(?:\s[^<>]*?)?(\/?)>/g,
  )) {
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return [`mismatched ${tag}`];
    } else {
      stack.push(name ?? '');
    }
  }
  return stack;
};

// Outside tags, a '<' or '>' or a bare '&' would mean something was not escaped.
const textOutsideTags = (xml: string): string => xml.replace(/<[^<>]*>/g, '');

const count = (text: string, pattern: RegExp): number => [...text.matchAll(pattern)].length;

const labels: Label[] = [0, 0, 1, 1, 0, 1, 0, 1];
const good = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.3, 0.7];
const poor = [0.6, 0.4, 0.35, 0.5, 0.7, 0.2, 0.3, 0.9];

const series = (name: string, scores: number[]): RocCurveSeries => ({
  name,
  points: rocCurve(labels, scores) ?? [],
  auc: rocAuc(labels, scores),
});

describe('rocCurveSvg', () => {
  const svg = rocCurveSvg([series('champion v3', good), series('challenger <b>&"x\'', poor)]);

  it('is a well-formed SVG document of about 600×450', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('width="600" height="450"');
    expect(unbalancedTags(svg)).toEqual([]);
    expect(textOutsideTags(svg)).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
  });

  it('the tag check catches a broken document', () => {
    expect(unbalancedTags('<svg><g><text>a</g></svg>')).toEqual(['mismatched </g>']);
    expect(unbalancedTags('<svg><line/>')).toEqual(['svg']);
  });

  it('draws one polyline per curve, the chance diagonal and axis ticks', () => {
    expect(count(svg, /<polyline /g)).toBe(2);
    expect(svg).toContain('stroke-dasharray="4 4"');
    expect(svg).toContain('False positive rate');
    expect(svg).toContain('True positive rate');
    expect(svg).toContain('>0.6</text>');
  });

  it('starts each curve at (0, 0) and ends it at (1, 1) of the plot area', () => {
    const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]);
    expect(polylines).toHaveLength(2);
    for (const points of polylines) {
      const pairs = (points ?? '').split(' ');
      expect(pairs[0]).toBe('60,390');
      expect(pairs.at(-1)).toBe('410,40');
    }
  });

  it('shows each AUC in the legend, rounded to 3 decimals', () => {
    expect(rocAuc(labels, good)).toBe(0.9375);
    expect(svg).toContain('>AUC 0.938</text>');
    expect(svg).toContain(`>AUC ${(rocAuc(labels, poor) ?? Number.NaN).toFixed(3)}</text>`);
    expect(rocCurveSvg([{ name: 'one class', points: [], auc: null }])).toContain('AUC n/a');
  });

  it('escapes names for XML', () => {
    expect(svg).toContain('challenger &lt;b&gt;&amp;&quot;x&apos;');
    expect(svg).not.toContain('<b>');
  });

  it('shortens a long name, keeping the full one in a <title>', () => {
    const name = 'gradient-boosted-trees-with-a-very-long-name';
    const long = rocCurveSvg([series(name, good)]);
    expect(long).toContain(`<title>${name}</title>gradient-boosted-tr…</text>`);
  });

  it('gives the same bytes for the same input, with rounded numbers only', () => {
    expect(rocCurveSvg([series('champion v3', good), series('challenger <b>&"x\'', poor)])).toBe(
      svg,
    );
    expect(svg).not.toMatch(/NaN|Infinity|\d\.\d{4,}/);
  });

  it('refuses a point that cannot be drawn, wherever it is on the curve', () => {
    for (const at of [0, 1, 2]) {
      const points = [
        { fpr: 0, tpr: 0, threshold: null },
        { fpr: 0.5, tpr: 0.5, threshold: 0.5 },
        { fpr: 1, tpr: 1, threshold: 0.1 },
      ];
      points[at] = { fpr: Number.NaN, tpr: 0.5, threshold: 0.5 };
      const error = thrownBy(HindsightError, () =>
        rocCurveSvg([{ name: 'broken', points, auc: 0.5 }]),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('thins a curve of many scores to points half a pixel apart, keeping both ends', () => {
    const random = createRandom(9);
    const many: Label[] = Array.from({ length: 20_000 }, () => (random.chance(0.4) ? 1 : 0));
    const scores = many.map((label) =>
      Math.min(1, Math.max(0, random.normal(0.4 + 0.2 * label, 0.2))),
    );
    const points = rocCurve(many, scores) ?? [];
    expect(points.length).toBeGreaterThan(10_000);
    const pairs =
      /points="([^"]*)"/.exec(rocCurveSvg([{ name: 'big', points, auc: null }]))?.[1]?.split(' ') ??
      [];
    // The curve is monotone: its pixel path is at most 350 + 350 long, so ≤ 1,400 steps of ½ px.
    expect(pairs.length).toBeGreaterThan(100);
    expect(pairs.length).toBeLessThanOrEqual(1_401);
    expect(pairs[0]).toBe('60,390');
    expect(pairs.at(-1)).toBe('410,40');
  });
});

describe('calibrationSvg', () => {
  // Bins of 0.25: 0.1, 0.2 in bin 0; 0.3, 0.35, 0.4 in bin 1; bin 2 empty; 0.8, 0.9, 0.95 in bin 3.
  const scores = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.3, 0.95];
  const table = calibrationTable(labels, scores, 4);
  const svg = calibrationSvg([
    { name: 'champion', table },
    { name: 'a & b', table: calibrationTable(labels, poor, 4) },
  ]);

  it('is a well-formed SVG document', () => {
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(unbalancedTags(svg)).toEqual([]);
    expect(textOutsideTags(svg)).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    expect(svg).toContain('a &amp; b');
  });

  it('draws one polyline per table and one point per non-empty bin, sized by its rows', () => {
    expect(table.bins.map(({ count: rows }) => rows)).toEqual([2, 3, 0, 3]);
    expect(count(svg, /<polyline /g)).toBe(2);
    const champion = svg.slice(
      svg.indexOf('<polyline '),
      svg.indexOf('<polyline ', svg.indexOf('<polyline ') + 1),
    );
    const radii = [...champion.matchAll(/<circle [^>]* r="([\d.]+)"/g)].map((m) => Number(m[1]));
    // r = 2 + 10·√(share): shares 2/8, 3/8, 3/8.
    expect(radii).toEqual([7, 8.12, 8.12]);
  });

  it('draws the perfect-calibration diagonal and shows each ECE in the legend', () => {
    expect(svg).toContain('stroke-dasharray="4 4"');
    expect(svg).toContain('Mean predicted probability');
    expect(svg).toContain(`>ECE ${table.expectedCalibrationError.toFixed(3)}</text>`);
  });

  it('gives the same bytes for the same input', () => {
    expect(
      calibrationSvg([
        { name: 'champion', table },
        { name: 'a & b', table: calibrationTable(labels, poor, 4) },
      ]),
    ).toBe(svg);
    expect(svg).not.toMatch(/NaN|Infinity|\d\.\d{4,}/);
  });
});
