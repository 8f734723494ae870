// The database of the composition roots: the one place that builds real pools and the embedded
// database.
import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../config/env.js';
import type { Logger } from '../config/logger.js';
import {
  createClient,
  createEventStore,
  createPool,
  type EventStore,
  migrate,
  type UpcasterRegistry,
} from '../eventstore/index.js';
import { startEmbeddedPostgres } from '../stack/embeddedPostgres.js';

export type ServiceOrigin = 'started' | 'reused' | 'external';

export interface Database {
  url: string;
  embedded: boolean;
  /** How this process got it: started here, reused (already running), or external. */
  origin: ServiceOrigin;
  /** Stops the embedded server if this process started it. */
  stop(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under the data folder. */
export const openDatabase = async (config: Config, logger: Logger): Promise<Database> => {
  if (config.DATABASE_URL)
    return {
      url: config.DATABASE_URL,
      embedded: false,
      origin: 'external',
      stop: () => Promise.resolve(),
    };
  const server = await startEmbeddedPostgres({
    dir: path.join(config.HINDSIGHT_DATA_DIR, 'postgres'),
    port: config.HINDSIGHT_EMBEDDED_PG_PORT,
    log: (message) => logger.info(message),
  });
  return {
    url: server.url,
    embedded: true,
    origin: server.reused ? 'reused' : 'started',
    stop: () => server.stop(),
  };
};

export interface OpenEventStore {
  store: EventStore;
  pool: pg.Pool;
  /** The store's connections for browsing (the console's pages): small, with a timeout. */
  browsePool: pg.Pool;
  close(): Promise<void>;
}

/** Connects, applies pending schema migrations, and builds the event store. */
export const openEventStore = async (
  url: string,
  config: Config,
  logger: Logger,
  /** The project's upcasters: what every read of the store applies. */
  upcasters: UpcasterRegistry,
): Promise<OpenEventStore> => {
  const pool = createPool({ connectionString: url, max: config.HINDSIGHT_PG_POOL_MAX });
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) logger.info({ applied }, 'applied schema migrations');
  } catch (error) {
    await pool.end();
    throw error;
  }
  // Live readers get connections of their own: under a backlog of appends they still read.
  const logReadPool = createPool({
    connectionString: url,
    max: 4,
    applicationName: 'hindsight-log-reader',
  });
  // The console's pages get a pool of their own, with a statement timeout: a page can neither
  // take the appends' connections nor hold one for long.
  const browsePool = createPool({
    connectionString: url,
    max: 4,
    applicationName: 'hindsight-console',
    statementTimeoutMs: 5_000,
  });
  const store = createEventStore({
    pool,
    logReadPool,
    browsePool,
    listenClient: () => createClient(url, 'hindsight-listen'),
    pollIntervalMs: config.HINDSIGHT_POLL_INTERVAL_MS,
    maxJsonDepth: config.HINDSIGHT_MAX_JSON_DEPTH,
    upcasters,
    onError: (error) =>
      logger.warn({ err: error }, 'event notification connection failed; polling'),
  });
  return {
    store,
    pool,
    browsePool,
    close: async () => {
      await store.close();
      await Promise.all([pool.end(), logReadPool.end(), browsePool.end()]);
    },
  };
};
