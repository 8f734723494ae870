// Scales and ticks for the hand-written SVG charts.
import { clock } from '../format.js';

export interface Scale {
  (value: number): number;
  domain: [number, number];
}

export const linear = (domain: [number, number], range: [number, number]): Scale => {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((value: number) => r0 + ((value - d0) / span) * (r1 - r0)) as Scale;
  scale.domain = domain;
  return scale;
};

const niceStep = (rough: number): number => {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice =
    fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
};

/** Round tick values covering [min, max], about `count` of them. */
export const ticks = (min: number, max: number, count = 5): number[] => {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const step = niceStep((max - min) / count);
  const out: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    out.push(Number(value.toPrecision(12)));
  }
  return out;
};

/** [min, max] widened to round numbers (and to a non-empty span). */
export const niceDomain = (min: number, max: number, count = 5): [number, number] => {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return niceDomain(min - pad, max + pad, count);
  }
  const step = niceStep((max - min) / count);
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  30 * DAY,
];

/** Round local-time ticks over [start, end] (epoch ms), about `count` of them, with labels. */
export const timeTicks = (
  start: number,
  end: number,
  count = 6,
): { at: number; label: string }[] => {
  if (!(end > start)) return [{ at: start, label: timeLabel(start, 0) }];
  const rough = (end - start) / count;
  const step = TIME_STEPS.find((candidate) => candidate >= rough) ?? 30 * DAY;
  const offset = new Date(start).getTimezoneOffset() * MINUTE;
  const first = Math.ceil((start - offset) / step) * step + offset;
  const out: { at: number; label: string }[] = [];
  for (let at = first; at <= end; at += step) out.push({ at, label: timeLabel(at, step) });
  return out;
};

const timeLabel = (at: number, step: number): string => {
  const d = new Date(at);
  if (step >= DAY) return `${d.getMonth() + 1}/${d.getDate()}`;
  const hm = clock(at).slice(0, 5);
  if (step >= MINUTE || step === 0) return hm;
  return clock(at);
};
