// Bad input through a real gRPC client against the real server and a real PostgreSQL: each case
// gets the right status code and a message naming the offending field, and writes nothing.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreCalls, type EventStoreCalls } from '../support/grpcCalls.js';
import {
  AppendRequest,
  ExpectedState,
  NewEvent,
  ReadAllRequest,
  ReadStreamRequest,
  type EventStoreClient,
  type ReadAllResponse,
} from '../../gen/hindsight/v1/eventstore.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { rejectionOf, waitFor } from '../support/wait.js';

const API_TOKEN = 'a-test-token-0123456789';
const SEEDED_STREAM = 'order-1';
const UNKNOWN_STREAM = 'order-does-not-exist';

// ---- Requests ----------------------------------------------------------------------------

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

const newEvent = (overrides: Partial<NewEvent> = {}): NewEvent =>
  NewEvent.fromPartial({ type: 'OrderPlaced', data: json({ amount: 1 }), ...overrides });

const appendRequest = (overrides: Partial<AppendRequest> = {}): AppendRequest =>
  AppendRequest.fromPartial({ streamId: 'order-bad-input', events: [newEvent()], ...overrides });

/** An append of one otherwise valid event with `overrides`. */
const appendEvent = (overrides: Partial<NewEvent>): AppendRequest =>
  appendRequest({ events: [newEvent(overrides)] });

const readAll = (
  client: EventStoreClient,
  request: Partial<ReadAllRequest> = {},
): Promise<ReadAllResponse[]> =>
  new Promise((resolve, reject) => {
    const responses: ReadAllResponse[] = [];
    const call = client.readAll(ReadAllRequest.fromPartial(request));
    call.on('data', (response: ReadAllResponse) => responses.push(response));
    call.on('error', reject);
    call.on('end', () => resolve(responses));
  });

// ---- Raw calls, for bytes a generated client cannot send and for the non-EventStore services

const identity = (bytes: Buffer): Buffer => bytes;

const rawUnary = (client: Client, method: string, request: Uint8Array): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, identity, identity, Buffer.from(request), (error, response) =>
      error || !response ? reject(error ?? new Error('no response')) : resolve(response),
    );
  });

/** The payloads of every length-delimited occurrence of `field` in a protobuf message. */
const lengthDelimited = (message: Uint8Array, field: number): Uint8Array[] => {
  const reader = new BinaryReader(message);
  const found: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === field && wireType === WireType.LengthDelimited) found.push(reader.bytes());
    else reader.skip(wireType, number);
  }
  return found;
};

/** grpc.health.v1.HealthCheckResponse: field 1 is the status enum (1 = SERVING). */
const healthStatus = (response: Uint8Array): number => {
  const reader = new BinaryReader(response);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.Varint) return reader.int32();
    reader.skip(wireType, number);
  }
  return 0; // proto3 default: UNKNOWN
};

const checkHealth = (client: Client): Promise<number> =>
  rawUnary(client, '/grpc.health.v1.Health/Check', new Uint8Array()).then(healthStatus);

/** Asks grpc.reflection.v1 for the service list (request field 7, list_services). */
const listServices = (client: Client): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      identity,
      identity,
    );
    call.on('data', (response: Buffer) => {
      // ServerReflectionResponse.list_services_response = 6, its repeated `service` = 1,
      // and each ServiceResponse's `name` = 1.
      const names = lengthDelimited(response, 6)
        .flatMap((list) => lengthDelimited(list, 1))
        .flatMap((service) => lengthDelimited(service, 1))
        .map((name) => Buffer.from(name).toString('utf8'));
      resolve(names);
      call.end();
    });
    call.on('error', reject);
    call.write(
      Buffer.from(new BinaryWriter().tag(7, WireType.LengthDelimited).string('').finish()),
    );
  });

// ---- Assertions --------------------------------------------------------------------------

/** The call fails with `code`, and its message contains each of `messageParts`. */
const expectRejected = async (
  promise: Promise<unknown>,
  code: status,
  ...messageParts: string[]
): Promise<ServiceError> => {
  const error = await rejectionOf(promise);
  expect(status[error.code], `status of "${error.details}"`).toBe(status[code]);
  for (const part of messageParts) expect(error.details).toContain(part);
  return error;
};

describe('gRPC API: bad input is refused with a precise status and writes nothing', () => {
  let db: TestDatabase;
  let server: TestServer;
  let calls: EventStoreCalls;
  let raw: Client;
  const rawClients: Client[] = [];
  const rawClient = (address: string): Client => {
    const client = new Client(address, credentials.createInsecure());
    rawClients.push(client);
    return client;
  };

  /** Runs `call`, expects it to be refused, and proves that the database did not change. */
  const expectRefused = async (
    call: () => Promise<unknown>,
    code: status,
    ...messageParts: string[]
  ): Promise<ServiceError> => {
    const before = await db.snapshot();
    const error = await expectRejected(call(), code, ...messageParts);
    expect(await db.snapshot()).toBe(before);
    return error;
  };

  const refusedAppend = (request: AppendRequest, ...messageParts: string[]) =>
    expectRefused(() => calls.append(request), status.INVALID_ARGUMENT, ...messageParts);

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.store);
    calls = server.calls;
    raw = rawClient(server.address);
    // A few valid events and a checkpoint, so that "unchanged" is about non-empty tables.
    await calls.append(
      appendRequest({
        streamId: SEEDED_STREAM,
        events: [newEvent(), newEvent({ type: 'OrderShipped', data: json({ carrier: 'ups' }) })],
      }),
    );
    const seeded = await calls.append(appendRequest({ streamId: 'invoice-7' }));
    await calls.saveCheckpoint({
      subscriptionName: 'projector',
      position: { transactionId: seeded.transactionId, globalPosition: 0 },
    });
    expect(await db.snapshot()).toMatch(
      /^3:[0-9a-f]{32}\|2:[0-9a-f]{32}\|1:[0-9a-f]{32}\|0:\|0:\|0:$/,
    );
  });

  afterAll(async () => {
    rawClients.forEach((client) => client.close());
    await server?.stop();
    await db?.drop();
  });

  describe('Append', () => {
    it('refuses a missing stream id', async () => {
      await refusedAppend(appendRequest({ streamId: '' }), 'stream_id: is required');
    });

    it('refuses malformed stream ids', async () => {
      await refusedAppend(
        appendRequest({ streamId: 'has space' }),
        "stream_id: 'has space' is malformed",
      );
      await refusedAppend(
        appendRequest({ streamId: '-leading-dash' }),
        "stream_id: '-leading-dash' is malformed",
      );
      await refusedAppend(
        appendRequest({ streamId: 'semi;colon' }),
        "stream_id: 'semi;colon' is malformed",
      );
    });

    it('refuses a stream id longer than 200 characters', async () => {
      await refusedAppend(
        appendRequest({ streamId: 'a'.repeat(201) }),
        'stream_id: is longer than 200 characters',
      );
    });

    it('refuses an empty event type', async () => {
      await refusedAppend(appendEvent({ type: '' }), 'events[0].type: is required');
    });

    it('refuses malformed event types', async () => {
      await refusedAppend(
        appendEvent({ type: 'bad type' }),
        "events[0].type: 'bad type' is malformed",
      );
      await refusedAppend(
        appendEvent({ type: '1Starts.With.Digit' }),
        "events[0].type: '1Starts.With.Digit' is malformed",
      );
      await refusedAppend(
        appendRequest({ events: [newEvent(), newEvent({ type: 'Order-Placed' })] }),
        "events[1].type: 'Order-Placed' is malformed",
      );
    });

    it('refuses an append without events', async () => {
      await refusedAppend(appendRequest({ events: [] }), 'events: at least one event is required');
    });

    it('refuses data that is not a JSON object', async () => {
      const data = (text: string) => appendEvent({ data: Buffer.from(text, 'utf8') });
      await refusedAppend(data('[1,2,3]'), 'events[0].data: must be a JSON object, got an array');
      await refusedAppend(data('42'), 'events[0].data: must be a JSON object, got number');
      await refusedAppend(data('"text"'), 'events[0].data: must be a JSON object, got string');
      await refusedAppend(data('null'), 'events[0].data: must be a JSON object, got null');
      await refusedAppend(data('{"amount": 1,'), 'events[0].data: is not valid JSON');
      await refusedAppend(appendEvent({ data: Buffer.alloc(0) }), 'events[0].data: is required');
    });

    it('refuses data that is not valid UTF-8', async () => {
      await refusedAppend(
        appendEvent({ data: Buffer.from([0xff, 0xfe]) }),
        'events[0].data: is not valid UTF-8',
      );
      // Valid JSON around an invalid byte sequence.
      const wrapped = Buffer.concat([
        Buffer.from('{"a":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]);
      await refusedAppend(appendEvent({ data: wrapped }), 'events[0].data: is not valid UTF-8');
    });

    it('refuses a stream id whose bytes are not valid UTF-8', async () => {
      // A generated client only sends valid strings: encode the AppendRequest by hand.
      const request = new BinaryWriter()
        .tag(1, WireType.LengthDelimited) // stream_id
        .bytes(new Uint8Array([0x6f, 0x72, 0x64, 0xff, 0xfe]))
        .tag(2, WireType.LengthDelimited) // events[0]
        .bytes(NewEvent.encode(newEvent()).finish())
        .finish();
      await expectRefused(
        () => rawUnary(raw, '/hindsight.v1.EventStore/Append', request),
        status.INVALID_ARGUMENT,
        'stream_id: is not valid UTF-8',
      );
    });

    it('refuses metadata that is not a JSON object', async () => {
      const metadata = (text: string) => appendEvent({ metadata: Buffer.from(text, 'utf8') });
      await refusedAppend(
        metadata('["a"]'),
        'events[0].metadata: must be a JSON object, got an array',
      );
      await refusedAppend(metadata('7'), 'events[0].metadata: must be a JSON object, got number');
      await refusedAppend(metadata('{oops}'), 'events[0].metadata: is not valid JSON');
      await refusedAppend(
        appendEvent({ metadata: Buffer.from([0x7b, 0xff, 0x7d]) }),
        'events[0].metadata: is not valid UTF-8',
      );
    });

    it('refuses a malformed event id', async () => {
      await refusedAppend(
        appendEvent({ eventId: 'not-a-uuid' }),
        "events[0].event_id: must be a UUID, got 'not-a-uuid'",
      );
      await refusedAppend(
        appendEvent({ eventId: '00000000-0000-0000-0000-000000000000' }),
        'events[0].event_id: must not be the nil UUID',
      );
    });

    it('refuses the same event id twice in one batch', async () => {
      const id = randomUUID();
      await refusedAppend(
        appendRequest({
          events: [newEvent({ eventId: id }), newEvent({ eventId: id.toUpperCase() })],
        }),
        `events[1].event_id: ${id} appears twice in the batch`,
      );
    });

    it('refuses a negative expected version', async () => {
      await refusedAppend(
        appendRequest({
          streamId: SEEDED_STREAM,
          expected: { $case: 'expectedVersion', expectedVersion: -1 },
        }),
        'expected_version: must be a non-negative integer',
        'got -1',
      );
    });

    it('refuses an unknown expected state', async () => {
      await refusedAppend(
        appendRequest({ expected: { $case: 'expectedState', expectedState: 9 as ExpectedState } }),
        'expected_state: unknown value 9',
      );
    });

    it('refuses JSON with an escaped NUL, which PostgreSQL cannot store', async () => {
      const nul = '{"note":"a\\u0000b"}';
      await refusedAppend(
        appendEvent({ data: Buffer.from(nul, 'utf8') }),
        'events[0].data: contains the character U+0000',
      );
      await refusedAppend(
        appendEvent({ metadata: Buffer.from(nul, 'utf8') }),
        'events[0].metadata: contains the character U+0000',
      );
      await refusedAppend(
        appendEvent({ actor: 'a\u0000b' }),
        'events[0].metadata: contains the character U+0000',
      );
    });

    it('refuses an occurred_at far outside the years 1900 to 9999', async () => {
      for (const occurredAtMs of [Date.UTC(1800, 0, 1), Date.UTC(12_000, 0, 1)]) {
        await refusedAppend(
          appendEvent({ occurredAtMs }),
          'events[0].occurred_at: must be milliseconds since the epoch between the years 1900 and 9999',
          `got ${occurredAtMs}`,
        );
      }
    });

    it('refuses the whole batch when only its last event is bad', async () => {
      await refusedAppend(
        appendRequest({
          streamId: SEEDED_STREAM,
          events: [newEvent(), newEvent(), newEvent({ data: json([1]) })],
        }),
        'events[2].data: must be a JSON object, got an array',
      );
    });
  });

  describe('Edge cases of encoding', () => {
    it('refuses 64-bit numbers above 2^53 with INVALID_ARGUMENT, not INTERNAL', async () => {
      const tooBig = 2 ** 60;
      const request = AppendRequest.encode(
        appendRequest({ expected: { $case: 'expectedVersion', expectedVersion: 1 } }),
      ).finish();
      // Re-encode field 4 (expected_version) by hand with a value a JS number cannot hold.
      const writer = new BinaryWriter();
      writer.raw(request);
      writer.uint32((4 << 3) | 0).int64(BigInt(tooBig));
      await expectRefused(
        () => rawUnary(raw, '/hindsight.v1.EventStore/Append', writer.finish()),
        status.INVALID_ARGUMENT,
        'the request could not be decoded',
      );
    });

    it('refuses data and metadata nested deeper than 64 levels, naming the field', async () => {
      const nested = (levels: number): Buffer =>
        Buffer.from(`{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`);
      for (const levels of [65, 5_000, 20_000]) {
        await refusedAppend(
          appendRequest({ events: [newEvent(), newEvent({ data: nested(levels) })] }),
          'events[1].data: nests objects and arrays more than 64 levels deep',
        );
        // Metadata was JSON.stringify'd without a check: a stack overflow, answered INTERNAL.
        await refusedAppend(
          appendRequest({ events: [newEvent({ metadata: nested(levels) })] }),
          'events[0].metadata: nests objects and arrays more than 64 levels deep',
        );
      }
      const result = await calls.append(
        appendRequest({
          streamId: 'edge-deep',
          events: [newEvent({ data: nested(64), metadata: nested(64) })],
        }),
      );
      expect(result.streamVersion).toBe(1);
    });

    it('accepts a real U+FFFD character and a literal backslash-u0000 text', async () => {
      const result = await calls.append(
        appendRequest({
          streamId: 'edge-1',
          events: [
            newEvent({
              data: json({ note: 'replacement \uFFFD char' }),
              metadata: json({ path: '\\u0000' }),
            }),
          ],
        }),
      );
      expect(result.streamVersion).toBe(1);
      const slice = await calls.readStream(ReadStreamRequest.fromPartial({ streamId: 'edge-1' }));
      const event = slice.events[0]!;
      expect(JSON.parse(event.data.toString('utf8'))).toEqual({ note: 'replacement \uFFFD char' });
      expect(JSON.parse(event.metadata.toString('utf8'))).toEqual({ path: '\\u0000' });
    });
  });

  describe('Reads and stream operations', () => {
    it('answers NOT_FOUND for an unknown stream, naming it', async () => {
      const named = `stream '${UNKNOWN_STREAM}' not found`;
      await expectRefused(
        () => calls.readStream(ReadStreamRequest.fromPartial({ streamId: UNKNOWN_STREAM })),
        status.NOT_FOUND,
        named,
      );
      await expectRefused(
        () => calls.getStream({ streamId: UNKNOWN_STREAM }),
        status.NOT_FOUND,
        named,
      );
      await expectRefused(
        () => calls.archiveStream({ streamId: UNKNOWN_STREAM }),
        status.NOT_FOUND,
        named,
      );
    });

    it('refuses a ReadAll with a malformed filter', async () => {
      await expectRefused(
        () => readAll(server.client, { eventTypes: ['OrderPlaced', 'bad type'] }),
        status.INVALID_ARGUMENT,
        "event_types[1]: 'bad type' is malformed",
      );
      await expectRefused(
        () => readAll(server.client, { categories: ['order-1'] }),
        status.INVALID_ARGUMENT,
        "categories[0]: 'order-1' is not a category",
      );
    });

    it('refuses a checkpoint beyond the head of the log, keeps one at it', async () => {
      const { rows } = await db.pool.query<{ horizon: string }>(
        'select pg_snapshot_xmin(pg_current_snapshot())::text as horizon',
      );
      const horizon = Number(rows[0]?.horizon);
      for (const position of [
        { transactionId: horizon + 1_000_000, globalPosition: 0 },
        { transactionId: horizon + 1, globalPosition: 0 },
        { transactionId: horizon, globalPosition: 1 },
      ]) {
        await expectRefused(
          () => calls.saveCheckpoint({ subscriptionName: 'projector', position }),
          status.INVALID_ARGUMENT,
          `position: ${position.transactionId}:${position.globalPosition} is beyond the head`,
        );
      }
      const atHead = { transactionId: horizon, globalPosition: 0 };
      await calls.saveCheckpoint({ subscriptionName: 'at-head', position: atHead });
      const stored = await calls.getCheckpoint({ subscriptionName: 'at-head' });
      expect(stored.position).toEqual(atHead);
    });
  });

  describe('Optimistic concurrency', () => {
    it('answers FAILED_PRECONDITION with the actual version in message and trailers', async () => {
      const error = await expectRefused(
        () =>
          calls.append(
            appendRequest({
              streamId: SEEDED_STREAM,
              expected: { $case: 'expectedVersion', expectedVersion: 5 },
            }),
          ),
        status.FAILED_PRECONDITION,
        `stream '${SEEDED_STREAM}': expected version 5, but its version is 2`,
      );
      expect(error.metadata.get('actual-version')).toEqual(['2']);
      expect(error.metadata.get('stream-exists')).toEqual(['true']);
    });

    it('answers FAILED_PRECONDITION when the stream must not exist but does', async () => {
      const error = await expectRefused(
        () =>
          calls.append(
            appendRequest({
              streamId: SEEDED_STREAM,
              expected: {
                $case: 'expectedState',
                expectedState: ExpectedState.EXPECTED_STATE_NO_STREAM,
              },
            }),
          ),
        status.FAILED_PRECONDITION,
        `stream '${SEEDED_STREAM}': expected no stream, but its version is 2`,
      );
      expect(error.metadata.get('actual-version')).toEqual(['2']);
    });
  });

  describe('Message size limit', () => {
    let small: TestServer;

    beforeAll(async () => {
      small = await startTestServer(db.store, { maxMessageBytes: 64 * 1024 });
    });
    afterAll(async () => {
      await small?.stop();
    });

    it('refuses an append larger than the limit with RESOURCE_EXHAUSTED', async () => {
      const big = appendEvent({ data: json({ blob: 'x'.repeat(100 * 1024) }) });
      await expectRefused(
        () => small.calls.append(big),
        status.RESOURCE_EXHAUSTED,
        'larger than max',
      );
      // A message under the limit still goes through.
      const ok = await small.calls.append(
        appendEvent({ data: json({ blob: 'x'.repeat(10 * 1024) }) }),
      );
      expect(ok.streamVersion).toBeGreaterThan(0);
    });
  });

  describe('Authentication', () => {
    let secured: TestServer;

    beforeAll(async () => {
      secured = await startTestServer(db.store, { apiToken: API_TOKEN });
    });
    afterAll(async () => {
      await secured?.stop();
    });

    const cases = [
      { name: 'no token', apiToken: undefined, message: 'missing authorization metadata' },
      { name: 'a wrong token', apiToken: 'a-wrong-token-9876543210', message: 'invalid API token' },
    ];

    for (const { name, apiToken, message } of cases) {
      it(`refuses a client with ${name}: UNAUTHENTICATED, nothing written`, async () => {
        const client = secured.connect({ apiToken });
        const unauthenticated = eventStoreCalls(client);
        await expectRefused(
          () => unauthenticated.append(appendRequest({ streamId: 'auth-1' })),
          status.UNAUTHENTICATED,
          message,
        );
        await expectRefused(
          () =>
            unauthenticated.readStream(ReadStreamRequest.fromPartial({ streamId: SEEDED_STREAM })),
          status.UNAUTHENTICATED,
          message,
        );
        await expectRefused(() => readAll(client), status.UNAUTHENTICATED, message);
      });
    }

    it('lets the health check through without a token', async () => {
      expect(await checkHealth(rawClient(secured.address))).toBe(1); // SERVING
    });

    it('accepts the right token', async () => {
      const appended = await secured.calls.append(appendRequest({ streamId: 'auth-1' }));
      expect(appended.streamVersion).toBe(1);
      const slice = await secured.calls.readStream(
        ReadStreamRequest.fromPartial({ streamId: 'auth-1' }),
      );
      expect(slice.events.map((e) => e.eventId)).toEqual(appended.eventIds);
      // ReadAll shows a commit once no older transaction in the cluster is open: under load,
      // another test's may still be.
      let streams: string[] = [];
      await waitFor(
        async () => {
          const pages = await readAll(secured.client, { categories: ['auth'] });
          streams = pages.flatMap((page) => page.events.map((e) => e.streamId));
          return streams.length > 0;
        },
        30_000,
        'the append below the horizon',
      );
      expect(streams).toEqual(['auth-1']);
    });
  });

  describe('TLS', () => {
    let dir: string;
    let tls: TestServer;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'hindsight-tls-'));
      const keyFile = path.join(dir, 'key.pem');
      const certFile = path.join(dir, 'cert.pem');
      const args =
        'req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost';
      execFileSync('openssl', [...args.split(' '), '-keyout', keyFile, '-out', certFile], {
        stdio: 'pipe',
      });
      tls = await startTestServer(db.store, { tls: { certFile, keyFile } });
    });
    afterAll(async () => {
      await tls?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('serves a client that trusts the certificate', async () => {
      const secure = eventStoreCalls(tls.connect({ caFile: path.join(dir, 'cert.pem') }));
      const appended = await secure.append(appendRequest({ streamId: 'tls-1' }));
      expect(appended.streamVersion).toBe(1);
    });

    it('refuses an insecure client with UNAVAILABLE, nothing written', async () => {
      // The default client of a TLS test server connects without TLS.
      await expectRefused(
        () => tls.calls.append(appendRequest({ streamId: 'tls-2' })),
        status.UNAVAILABLE,
      );
    });
  });

  describe('Server reflection', () => {
    it('lists the EventStore service', async () => {
      const services = await listServices(raw);
      expect(services).toContain('hindsight.v1.EventStore');
      expect(services).toContain('grpc.health.v1.Health');
    });
  });
});
