// CPU time of single processes at nanosecond resolution (/proc/<pid>/task/*/schedstat: time on
// a CPU, every thread), for figures of almost idle processes, where /proc/<pid>/stat's 10 ms
// ticks are too coarse. Linux only; elsewhere everything reads as undefined.
import { readFileSync, readdirSync } from 'node:fs';
import type pg from 'pg';

/** CPU seconds of a process's live threads; undefined when it is gone. */
export const processCpuSeconds = (pid: number): number | undefined => {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let nanos = 0;
  for (const tid of tasks) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nanos / 1e9;
};

/** The child process of this one whose command line contains `marker`. */
export const childProcessId = (marker: string): number | undefined => {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) return pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
};

export interface BackendCpu {
  /** Takes a reading; call it often enough (e.g. each second) to see short-lived backends. */
  sample(): Promise<void>;
  /** CPU seconds of the database's client backends since the first sample. */
  seconds(): number;
}

/**
 * The CPU of the client backends of `client`'s database (every connection to it but `client`
 * itself): a backend present at the first sample counts from there, a later one from its start.
 */
export const databaseBackendCpu = (client: pg.Client): BackendCpu => {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  return {
    sample: async () => {
      const { rows } = await client.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = current_database() and backend_type = 'client backend'
            and pid <> pg_backend_pid()`,
      );
      for (const { pid } of rows) {
        const seconds = processCpuSeconds(pid);
        if (seconds === undefined) continue;
        if (!first.has(pid)) first.set(pid, started ? 0 : seconds);
        last.set(pid, seconds);
      }
      started = true;
    },
    seconds: () => {
      let total = 0;
      for (const [pid, end] of last) total += end - (first.get(pid) ?? end);
      return total;
    },
  };
};
