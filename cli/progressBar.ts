// A progress bar on stderr, so stdout stays for the command's result: redrawn in place on a
// terminal; on anything else (a pipe, a file, CI=true) a plain line per tenth of the way, and one
// at least every HEARTBEAT_MS while something changes, so a CI log shows a long stage is alive.
// `hindsight --no-progress …` turns every bar off; commands turn theirs off under --json.

export interface ProgressBar {
  /** `fraction` from 0 to 1; `detail` says what the numbers are. */
  update(fraction: number, detail: string): void;
  /** Ends the bar with a last line. */
  done(line: string): void;
}

const WIDTH = 30;
const HEARTBEAT_MS = 15_000;

let enabled = true;

/** Turns the progress bars of this process on or off (the global `--no-progress`). */
export const setProgressEnabled = (on: boolean): void => {
  enabled = on;
};

/** CI=true (or any value but false/0): no redrawing, whatever the stream says it is. */
const inCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
};

const silent: ProgressBar = { update: () => undefined, done: () => undefined };

export const createProgressBar = (
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): ProgressBar => {
  if (!enabled) return silent;
  const redraw = Boolean(stream.isTTY) && !inCi();
  let lastTenth = -1;
  let lastLine = '';
  let lastLineAt = 0;
  let drawn = false;
  const render = (fraction: number, detail: string): string => {
    const clamped = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(clamped * WIDTH);
    const percent = `${Math.floor(clamped * 100)}%`.padStart(4);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}  ${detail}`;
  };
  return {
    update: (fraction, detail) => {
      const line = render(fraction, detail);
      if (redraw) {
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(Math.min(1, Math.max(0, fraction)) * 10);
      const heartbeat = line !== lastLine && now() - lastLineAt >= HEARTBEAT_MS;
      if (tenth === lastTenth && !heartbeat) return;
      lastTenth = tenth;
      lastLine = line;
      lastLineAt = now();
      stream.write(`${line}\n`);
    },
    done: (line) => {
      stream.write(`${redraw && drawn ? '\r\x1b[2K' : ''}${line}\n`);
    },
  };
};

/** A line about progress (a started id, what to run next) on stderr, unless progress is off. */
export const progressNote = (line: string, stream: NodeJS.WriteStream = process.stderr): void => {
  if (enabled) stream.write(`${line}\n`);
};
