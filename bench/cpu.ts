// CPU time of the three parties of a run (this process, the gRPC server, PostgreSQL), read from
// /proc, to show where the time of each measured section goes. Linux and a local database only;
// elsewhere the missing parts read as undefined.
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** user + system CPU seconds of the process itself. */
  own: number;
  /** user + system CPU seconds of its reaped children. */
  children: number;
}

const readStat = (pid: number): ProcStat | undefined => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which may itself contain spaces and parentheses.
  const f = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const at = (field: number): number => f[field - 3] ?? 0;
  return {
    ppid: at(4),
    own: (at(14) + at(15)) / TICKS_PER_SECOND,
    children: (at(16) + at(17)) / TICKS_PER_SECOND,
  };
};

export interface CpuSample {
  bench: number;
  server: number | undefined;
  postgres: number | undefined;
}

export interface CpuMeter {
  sample(): CpuSample;
}

/**
 * @param serverPid the gRPC server process
 * @param backendPid a PostgreSQL backend of the database (from pg_backend_pid()); its parent
 *   is the postmaster, whose children are all of the server's processes.
 */
export const createCpuMeter = (serverPid: number | undefined, backendPid: number): CpuMeter => {
  const postmaster = readStat(backendPid)?.ppid;
  const postgresSeconds = (): number | undefined => {
    if (postmaster === undefined) return undefined;
    const main = readStat(postmaster);
    if (!main) return undefined;
    let total = main.own + main.children;
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      const stat = readStat(pid);
      if (stat?.ppid === postmaster) total += stat.own;
    }
    return total;
  };
  return {
    sample: () => {
      const usage = process.cpuUsage();
      return {
        bench: (usage.user + usage.system) / 1e6,
        server: serverPid === undefined ? undefined : readStat(serverPid)?.own,
        postgres: postgresSeconds(),
      };
    },
  };
};

const diff = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : b - a;

export const cpuDelta = (before: CpuSample, after: CpuSample): CpuSample => ({
  bench: after.bench - before.bench,
  server: diff(before.server, after.server),
  postgres: diff(before.postgres, after.postgres),
});

const sum = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a + b;

export const addCpu = (a: CpuSample, b: CpuSample): CpuSample => ({
  bench: a.bench + b.bench,
  server: sum(a.server, b.server),
  postgres: sum(a.postgres, b.postgres),
});

const seconds = (value: number | undefined): string =>
  value === undefined ? 'n/a' : `${value.toFixed(2)}s`;

export const formatCpu = (cpu: CpuSample): string =>
  `cpu: bench ${seconds(cpu.bench)}, server ${seconds(cpu.server)}, postgres ${seconds(cpu.postgres)}`;
