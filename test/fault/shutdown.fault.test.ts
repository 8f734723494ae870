// Shutdown is bounded whatever clients do (issue 18, point 5). A real `hindsight server` process
// has a Subscribe client that stopped reading: its stream is paused, so once a few megabytes are
// appended the server's writes to it wait on HTTP/2 flow control. On SIGTERM the server ends that
// stream too, closes its connections and exits within the grace (it took 35–71 s with a grace
// of 10 s, serving nothing meanwhile); the paused client's stream ends with a status.
import type { ChildProcess } from 'node:child_process';
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createEventStoreClient } from '../support/grpcCalls.js';
import {
  SubscribeRequest,
  type EventStoreClient,
  type SubscribeResponse,
} from '../../gen/hindsight/v1/eventstore.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, spawnHindsight } from '../support/processes.js';
import { exited } from '../support/workerProcess.js';

const GRACE_MS = 3_000;
/** Exiting takes a moment beyond the grace (closing pools, a loaded machine); the bug took 35–71 s. */
const MARGIN_MS = 10_000;
const EVENTS = 120;
const BLOB = 'x'.repeat(100_000);

let db: TestDatabase;
let server: ChildProcess;
let serverLog = '';
let address: string;
const clients: EventStoreClient[] = [];

const until = async (what: string, condition: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline || server.exitCode !== null) {
      throw new Error(`timed out waiting for ${what}\n${serverLog}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** A Subscribe from the start of the log; counts the events it has taken in. */
const subscribe = (client: EventStoreClient) => {
  const call = client.subscribe(SubscribeRequest.fromPartial({}));
  const state = { events: 0, ended: null as ServiceError | null, closed: false };
  call.on('data', (response: SubscribeResponse) => {
    if (response.message?.$case === 'events') state.events += response.message.events.events.length;
  });
  call.on('error', (error: ServiceError) => (state.ended = error));
  call.on('close', () => (state.closed = true));
  return { call, state };
};

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  server = spawnHindsight(['server'], {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    HINDSIGHT_GRPC_HOST: '127.0.0.1',
    HINDSIGHT_GRPC_PORT: String(port),
    HINDSIGHT_HTTP_HOST: '127.0.0.1',
    HINDSIGHT_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });
  server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  await until('the server to listen', () => serverLog.includes('gRPC server listening'), 60_000);
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  await exited(server);
  await db.drop();
});

describe('SIGTERM with a Subscribe client that stopped reading', () => {
  it('ends its stream, closes the connections and exits within the grace', async () => {
    const pausedClient = createEventStoreClient({ address });
    const witnessClient = createEventStoreClient({ address });
    clients.push(pausedClient, witnessClient);
    await db.store.append('blob-0', [{ type: 'Blob', data: { n: 0 } }]);
    const paused = subscribe(pausedClient);
    const witness = subscribe(witnessClient);
    await until('both subscribers to get the first event', () =>
      [paused, witness].every((s) => s.state.events >= 1),
    );
    paused.call.pause();

    // 12 MB for the paused client: far beyond HTTP/2's windows and the sockets' buffers.
    for (let n = 1; n <= EVENTS; n++) {
      await db.store.append(`blob-${n % 10}`, [{ type: 'Blob', data: { n, blob: BLOB } }]);
    }
    // The server read them for both: the witness has them all, the paused client not.
    await until('the witness to have every event', () => witness.state.events === EVENTS + 1);
    expect(paused.state.events).toBeLessThan(EVENTS + 1);

    const signalled = Date.now();
    server.kill('SIGTERM');
    await exited(server);
    const tookMs = Date.now() - signalled;
    expect(server.exitCode, serverLog).toBe(0);
    expect(tookMs).toBeLessThan(GRACE_MS + MARGIN_MS);

    // Both streams ended with a status, the paused one once it reads again.
    paused.call.resume();
    await until('both streams to end', () => [paused, witness].every((s) => s.state.ended), 10_000);
    expect(witness.state.ended?.code).toBe(status.UNAVAILABLE);
    expect(paused.state.ended?.code).toBeDefined();
    expect(paused.state.events).toBeLessThanOrEqual(EVENTS + 1);
  });
});
