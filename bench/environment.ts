// The benchmark's world: a fresh database (on DATABASE_URL's server or the embedded one), the
// schema, the baseline table, the Hindsight gRPC server as a separate process, 16 gRPC clients
// with their own connections, and 16 plain pg connections for the baselines.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { projectRoot } from '../config/paths.js';
import { createPool } from '../eventstore/pool.js';
import { migrate } from '../eventstore/schema/migrate.js';
import { startEmbeddedPostgres } from '../stack/embeddedPostgres.js';
import { createBenchClient, type BenchClient } from './clients.js';
import { createCpuMeter, type CpuMeter } from './cpu.js';

export const CLIENTS = 16;

export interface BenchEnvironment {
  databaseUrl: string;
  address: string;
  /** 16 gRPC clients, each on its own HTTP/2 connection. */
  grpc: BenchClient[];
  /** 16 plain pg connections (default type parsing) to the same database, for the baselines. */
  pg: pg.Client[];
  cpu: CpuMeter;
  /** Open TCP connections to the gRPC server from this process (undefined off Linux). */
  grpcConnections(): number | undefined;
  close(): Promise<void>;
}

const log = (message: string): void => console.log(message);

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const adminQuery = async (adminUrl: string, sql: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

/** Established TCP connections whose remote port is `port` (IPv4, from /proc/net/tcp). */
const connectionsTo = (port: number): number | undefined => {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2]?.endsWith(`:${hexPort}`) && f[3] === '01').length;
};

/** `hindsight server` as a child process; `extra` adds to its environment (e.g. Temporal, MLflow). */
export const startServer = (
  databaseUrl: string,
  port: number,
  extra: NodeJS.ProcessEnv = {},
): ChildProcess => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extra,
    DATABASE_URL: databaseUrl,
    HINDSIGHT_GRPC_PORT: String(port),
    HINDSIGHT_GRPC_HOST: '127.0.0.1',
    // The console on any free port: 8080 may be taken (a demo, another server).
    HINDSIGHT_HTTP_PORT: '0',
    HINDSIGHT_HTTP_HOST: '127.0.0.1',
    HINDSIGHT_LOG_LEVEL: 'warn',
  };
  // A plain server: no token, no TLS, whatever this shell has configured.
  delete env.HINDSIGHT_API_TOKEN;
  delete env.HINDSIGHT_TLS_CERT_FILE;
  delete env.HINDSIGHT_TLS_KEY_FILE;
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(
    process.execPath,
    [...nodeArgs, path.join(projectRoot, 'bin/hindsight.js'), 'server'],
    {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
};

export const stopServer = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
};

export const waitUntilServing = async (client: BenchClient, child: ChildProcess): Promise<void> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      await client.calls.cut();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
};

export const setUpEnvironment = async (): Promise<BenchEnvironment> => {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: Error) => console.error(`cleanup failed: ${error.message}`));
    }
  };
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (adminUrl) {
      log('database: DATABASE_URL');
    } else {
      const embedded = await startEmbeddedPostgres({
        dir: path.join(projectRoot, '.data/bench-postgres'),
        port: 54331,
        database: 'postgres',
      });
      log(`database: embedded PostgreSQL on port 54331${embedded.reused ? ' (reused)' : ''}`);
      adminUrl = embedded.adminUrl;
      cleanups.push(() => embedded.stop());
    }
    const name = `hs_bench_${randomBytes(5).toString('hex')}`;
    await adminQuery(adminUrl, `create database ${name}`);
    const admin = adminUrl;
    cleanups.push(() => adminQuery(admin, `drop database if exists ${name} with (force)`));
    const databaseUrl = withDatabase(adminUrl, name);

    const pool = createPool({ connectionString: databaseUrl, max: 2, applicationName: 'bench' });
    try {
      await migrate(pool);
      await pool.query('create table bench_baseline (like hindsight.events including all)');
    } finally {
      await pool.end();
    }
    log(`database ${name}: migrated, baseline table bench_baseline created`);

    const port = await freePort();
    const server = startServer(databaseUrl, port);
    cleanups.push(() => stopServer(server));
    const address = `127.0.0.1:${port}`;
    const grpc = Array.from({ length: CLIENTS }, () => createBenchClient(address));
    cleanups.push(() => Promise.resolve(grpc.forEach(({ client }) => client.close())));
    const first = grpc[0];
    if (!first) throw new Error('no clients');
    await waitUntilServing(first, server);
    await Promise.all(grpc.map(({ calls }) => calls.cut()));

    const pgClients = Array.from(
      { length: CLIENTS },
      () => new pg.Client({ connectionString: databaseUrl, application_name: 'bench-baseline' }),
    );
    cleanups.push(() => Promise.all(pgClients.map((c) => c.end())).then(() => undefined));
    await Promise.all(pgClients.map((c) => c.connect()));
    const backend = await pgClients[0]?.query<{ pid: number }>('select pg_backend_pid() as pid');

    const env: BenchEnvironment = {
      databaseUrl,
      address,
      grpc,
      pg: pgClients,
      cpu: createCpuMeter(server.pid, backend?.rows[0]?.pid ?? 0),
      grpcConnections: () => connectionsTo(port),
      close,
    };
    log(
      `server: pid ${server.pid} on ${address}; ${CLIENTS} gRPC clients ` +
        `(${env.grpcConnections() ?? '?'} TCP connections), ${CLIENTS} pg connections`,
    );
    return env;
  } catch (error) {
    await close();
    throw error;
  }
};
