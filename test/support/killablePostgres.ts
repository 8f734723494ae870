// A private PostgreSQL that a fault test may kill -9 and restart: the embedded server in a
// folder of its own, on a port of its own, so that crashing it touches no other test.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/embeddedPostgres.js';
import { freePort, isProcessAlive } from '../../stack/processes.js';
import { sleep, waitFor } from './wait.js';

export interface KillablePostgres {
  /** The application database `hindsight`. */
  url: string;
  adminUrl: string;
  port: number;
  /** kill -9 of the postmaster (and, with `everyProcess`, of all its children at once). */
  kill(options?: { everyProcess?: boolean }): Promise<void>;
  /** Starts it again on the same port and data, once the killed processes are gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const postmasterPid = async (pgdata: string): Promise<number> =>
  Number((await readFile(path.join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0]);

/** The pids whose parent is `parent`, from /proc. */
const childrenOf = (parent: number): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // The fields after the command's closing parenthesis: state, then ppid.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);

export const startKillablePostgres = async (): Promise<KillablePostgres> => {
  const dir = path.resolve(`.data/fault-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const pgdata = path.join(dir, 'pgdata');
  const port = await freePort();
  let server: EmbeddedPostgres = await startEmbeddedPostgres({ dir, port });
  let killed: number[] = [];
  return {
    url: server.url,
    adminUrl: server.adminUrl,
    port,
    kill: async ({ everyProcess = false } = {}) => {
      const pid = await postmasterPid(pgdata);
      const children = everyProcess ? childrenOf(pid) : [];
      for (const target of [pid, ...children]) process.kill(target, 'SIGKILL');
      killed = [pid, ...children];
    },
    restart: async () => {
      // Backends notice their postmaster's death on their own; until they are gone a new
      // postmaster refuses the shared memory they still hold.
      await waitFor(
        () => killed.every((pid) => !isProcessAlive(pid)),
        60_000,
        'the killed PostgreSQL processes to exit',
      );
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          server = await startEmbeddedPostgres({ dir, port });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(250);
        }
      }
    },
    stop: async () => {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
};
