// Numbers in the SVG are rounded so that the bytes are short and stable: the same metrics
// give the same file, and float noise never shows up as a diff between two artifacts.
import { HindsightError } from '../../../platform/errors.js';

/** Rounds to `decimals` places; refuses NaN and Infinity, which would corrupt the drawing. */
export const svgNumber = (value: number, decimals = 2): string => {
  if (!Number.isFinite(value)) {
    throw new HindsightError('INVALID_ARGUMENT', `cannot draw the number ${value}`);
  }
  const scale = 10 ** decimals;
  const rounded = Math.round(value * scale) / scale;
  // -0 would print as "0" anyway, but a tiny negative rounds to -0: normalise it.
  return String(rounded === 0 ? 0 : rounded);
};

/** A metric for a legend: always three decimals, so that legends of several models line up. */
export const metricText = (value: number | null): string =>
  value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(3);
