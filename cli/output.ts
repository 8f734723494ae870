// What commands print: `--json` writes one JSON document on stdout (NDJSON, one line per event,
// for the event streams) and nothing else there; people get aligned lines. Help text helpers.
import type { Command } from 'commander';

/** Bytes as base64 (not `{"type":"Buffer","data":[…]}`), big integers as strings. */
const replacer = (_key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return value.toString();
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
};

/** One JSON document on one line of stdout. */
export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, replacer)}\n`);
};

/** A line of stdout. */
export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The `--json` option's description: the same words everywhere. */
export const JSON_HELP = 'print one JSON document on stdout (and no progress bar)';
export const JSON_LIST_HELP = 'print one JSON array on stdout';
export const NDJSON_HELP = 'print NDJSON on stdout: one JSON object per event';

/** An "Examples:" section for a command's help (`addHelpText('after', …)`). */
export const exampleText = (...lines: string[]): string =>
  `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;

/** Adds an "Examples:" section to a command's help. */
export const examples = (command: Command, ...lines: string[]): Command =>
  command.addHelpText('after', exampleText(...lines));
