// Events nested 5,000 levels deep, stored before appends were limited: the console's recent
// events and stream page answer 200 with a marker in place of the payload (they answered 500 to
// everyone), and `hindsight events read --json` prints the marker (it died with "Maximum call
// stack size exceeded"). Appending such an event now is refused.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView, Page, StreamEvents } from '../../services/console/api.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { newEvent } from '../support/events.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { hindsight } from '../support/processes.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';
import { rejectionOf } from '../support/wait.js';

const STREAM = 'deep-1';
const LEVELS = 5_000;
const deepJson = `{"a":${'['.repeat(LEVELS - 1)}${']'.repeat(LEVELS - 1)}}`;
const NOT_SHOWN = {
  $notShown: expect.stringContaining('nested more than 1000 levels deep') as unknown,
};

let db: TestDatabase;
let temporal: TestTemporal;
let web: TestConsole;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  web = await startTestConsole(db, temporal);
  server = await startTestServer(db.store);
  await db.store.append(STREAM, [{ type: 'Shallow', data: { ok: true } }]);
  // As an append stored it before the limit: straight into the append function, unchecked.
  const batch = `[{"id":"${randomUUID()}","type":"Deep","schema_version":1,"occurred_at":null,"data":${deepJson},"metadata":${deepJson}}]`;
  await db.pool.query(`select * from hindsight.append_to_stream($1, $2, 'any', null, $3)`, [
    STREAM,
    'deep',
    batch,
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await web?.close();
  await temporal?.close();
  await db?.drop();
});

describe('an event nested 5,000 levels deep, already stored', () => {
  it('shows in the console as a marker, beside the events around it', async () => {
    const recent = await web.call('/api/events/recent');
    expect(recent.status).toBe(200);
    const items = (recent.body as Page<EventView>).items;
    expect(items.map((e) => e.type)).toEqual(['Deep', 'Shallow']);
    expect(items[0]).toMatchObject({ data: NOT_SHOWN, metadata: NOT_SHOWN });
    expect(items[1]?.data).toEqual({ ok: true });

    const page = await web.call(`/api/events/streams/${STREAM}`);
    expect(page.status).toBe(200);
    const events = (page.body as StreamEvents).events;
    expect(events.map((e) => e.type)).toEqual(['Shallow', 'Deep']);
    expect(events[1]).toMatchObject({ data: NOT_SHOWN, metadata: NOT_SHOWN });
    expect(web.internalErrors).toEqual([]);
  });

  it('is printed by `hindsight events read --json` as a marker', async () => {
    const result = await hindsight(['events', 'read', STREAM, '--json'], {
      HINDSIGHT_SERVER: server.address,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EventView);
    expect(lines.map((e) => e.type)).toEqual(['Shallow', 'Deep']);
    expect(lines[1]).toMatchObject({ data: NOT_SHOWN, metadata: NOT_SHOWN });
  });

  it('cannot be appended again: INVALID_ARGUMENT, nothing written', async () => {
    const before = await db.snapshot();
    const error = await rejectionOf(
      server.calls.append({
        streamId: STREAM,
        events: [newEvent('Deep', null, { data: Buffer.from(deepJson) })],
        expected: undefined,
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('events[0].data: nests objects and arrays more than 64');
    expect(await db.snapshot()).toBe(before);
  });
});
