// A real gRPC server on a free port over a test database, and a real client for it.
import { afterAll, beforeAll } from 'vitest';
import type { EventStore } from '../../eventstore/eventStore.js';
import { createEventStoreClient, eventStoreCalls, type EventStoreCalls } from './grpcCalls.js';
import {
  ReadAllRequest,
  type EventStoreClient,
  type ReadAllResponse,
} from '../../gen/hindsight/v1/eventstore.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import {
  startGrpcServer,
  type GrpcServerOptions,
  type RunningGrpcServer,
} from '../../services/grpc/server.js';

export interface TestServer {
  server: RunningGrpcServer;
  address: string;
  client: EventStoreClient;
  calls: EventStoreCalls;
  /** Another client, e.g. with another token. */
  connect(options?: { apiToken?: string; caFile?: string }): EventStoreClient;
  stop(): Promise<void>;
}

export const startTestServer = async (
  store: EventStore,
  options: Partial<Omit<GrpcServerOptions, 'store'>> = {},
): Promise<TestServer> => {
  const server = await startGrpcServer({
    store,
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 4 * 1024 * 1024,
    shutdownGraceMs: 5000,
    onInternalError: (error) => console.error('internal error in a gRPC call', error),
    ...options,
  });
  const address = `${options.tls ? 'localhost' : '127.0.0.1'}:${server.port}`;
  const clients: EventStoreClient[] = [];
  const connect = (overrides: { apiToken?: string; caFile?: string } = {}): EventStoreClient => {
    const client = createEventStoreClient({ address, apiToken: options.apiToken, ...overrides });
    clients.push(client);
    return client;
  };
  const client = connect();
  return {
    server,
    address,
    client,
    calls: eventStoreCalls(client),
    connect,
    stop: async () => {
      clients.forEach((c) => c.close());
      await server.shutdown();
    },
  };
};

export interface DatabaseAndServer {
  db: TestDatabase;
  server: TestServer;
}

/** A database of its own and a gRPC server over it, for every test of the calling file. */
export const useDatabaseAndServer = (
  options: { pollIntervalMs?: number } = {},
): DatabaseAndServer => {
  const fixture = {} as DatabaseAndServer;
  beforeAll(async () => {
    fixture.db = await createTestDatabase(options);
    fixture.server = await startTestServer(fixture.db.store);
  });
  afterAll(async () => {
    await fixture.server?.stop();
    await fixture.db?.drop();
  });
  return fixture;
};

/** Every message of one ReadAll call (the request's unset fields at their defaults). */
export const readAllPages = async (
  client: EventStoreClient,
  request: Partial<ReadAllRequest> = {},
): Promise<ReadAllResponse[]> => {
  const pages: ReadAllResponse[] = [];
  const call = client.readAll(ReadAllRequest.fromPartial(request));
  for await (const page of call as AsyncIterable<ReadAllResponse>) pages.push(page);
  return pages;
};
