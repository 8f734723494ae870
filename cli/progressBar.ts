// A progress bar on stderr: redrawn in place on a terminal, a line per tenth of the way
// otherwise (CI logs, pipes), so stdout stays for the command's result.

export interface ProgressBar {
  /** `fraction` from 0 to 1; `detail` says what the numbers are. */
  update(fraction: number, detail: string): void;
  /** Ends the bar with a last line. */
  done(line: string): void;
}

const WIDTH = 30;

export const createProgressBar = (
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar => {
  const tty = stream.isTTY;
  let lastTenth = -1;
  let drawn = false;
  const render = (fraction: number, detail: string): string => {
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
    const percent = `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`.padStart(4);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}  ${detail}`;
  };
  return {
    update: (fraction, detail) => {
      if (tty) {
        stream.write(`\r\x1b[2K${render(fraction, detail)}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${render(fraction, detail)}\n`);
    },
    done: (line) => {
      stream.write(`${tty && drawn ? '\r\x1b[2K' : ''}${line}\n`);
    },
  };
};
