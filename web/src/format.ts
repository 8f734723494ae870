// Formatting of times, durations, numbers and JSON for display.

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `2024-05-01 13:04:05` in local time. */
export const dateTime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
};

/** `13:04:05` in local time. */
export const clock = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** `13:04:05` today, else `05-01 13:04`, else (another year) `2023-05-01`. */
export const shortTime = (ms: number, now = Date.now()): string => {
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return clock(ms);
  if (d.getFullYear() === today.getFullYear()) {
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 4h`. */
export const duration = (ms: number): string => {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  const seconds = abs / 1000;
  if (seconds < 60) return `${sign}${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${sign}${minutes}m ${pad(Math.floor(seconds % 60))}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${sign}${hours}h ${pad(minutes % 60)}m`;
  return `${sign}${Math.floor(hours / 24)}d ${hours % 24}h`;
};

/** `12s ago`, `in 5m`. */
export const ago = (ms: number, now = Date.now()): string => {
  const delta = now - ms;
  const abs = Math.abs(delta);
  // A few seconds in the future is clock skew between the server and this browser.
  if (abs < 1000 || (delta < 0 && abs < 60_000)) return 'just now';
  let text: string;
  if (abs < 60_000) text = `${Math.round(abs / 1000)}s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)}m`;
  else if (abs < 172_800_000) text = `${Math.round(abs / 3_600_000)}h`;
  else text = `${Math.round(abs / 86_400_000)}d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
};

/** A number with at most `digits` decimals, `—` for null. */
export const num = (value: number | null | undefined, digits = 3): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toFixed(digits).replace(/\.?0+$/, '');
};

/** An integer with thousands separators. */
export const count = (value: number): string => value.toLocaleString('en-US');

export const percent = (value: number, digits = 0): string => `${(value * 100).toFixed(digits)}%`;

export const shortDigest = (digest: string, length = 12): string =>
  digest.replace(/^sha256:/, '').slice(0, length);

/** Text for what JSON cannot show (undefined, functions, cycles). */
const fallback = (value: unknown): string =>
  typeof value === 'object' && value !== null ? '[unprintable object]' : `${value as string}`;

export const prettyJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, null, 2) ?? fallback(value);
  } catch {
    return fallback(value);
  }
};

/** One line of JSON, cut at `max` characters. */
export const compactJson = (value: unknown, max = 120): string => {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? fallback(value));
  } catch {
    text = fallback(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};
