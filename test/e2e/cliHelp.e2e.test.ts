// The `hindsight` command as an operator meets it: every command documented, `--json` where a
// script reads the result, usage errors and unreachable services with their documented exit
// codes. Most checks run the CLI in this process (runCli with stdout and stderr captured, fast);
// a few real processes check that a shell sees the same.
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT, EXIT_CODES } from '../../cli/errors.js';
import { buildProgram, FOREGROUND_COMMANDS, runCli } from '../../cli/program.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { hindsight, type CommandResult } from '../support/processes.js';

interface Node {
  path: string[];
  command: Command;
}

const walk = (command: Command, path: string[] = []): Node[] =>
  command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return [{ path: here, command: sub }, ...walk(sub, here)];
  });

const tree = walk(buildProgram());
const named = (path: string[]): string => path.join(' ');

/** Runs `hindsight …args` in this process: its exit code and what it wrote. */
const cli = async (args: string[], env: Record<string, string> = {}): Promise<CommandResult> => {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const capture = (write: (text: string) => void) => (chunk: string | Uint8Array) => {
    write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  const outSpy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation(capture((t) => (stdout += t)));
  const errSpy = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation(capture((t) => (stderr += t)));
  try {
    await runCli(['node', 'hindsight', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
    process.exitCode = undefined;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
};

/** The parsed stdout of a command that must print one JSON document and nothing else. */
const jsonOf = (result: CommandResult): unknown => {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(EXIT.ok);
  expect(result.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout);
};

/** NDJSON: one JSON object per line. */
const linesOf = (result: CommandResult): unknown[] => {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(EXIT.ok);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
};

describe('hindsight command tree', () => {
  it('has a one-line description for every command, and one for every option and argument', () => {
    expect(tree.length).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const { path, command } of tree) {
      const description = command.summary() || command.description();
      if (!description.trim() || description.includes('\n')) missing.push(named(path));
      for (const option of command.options) {
        if (!option.description.trim()) missing.push(`${named(path)} ${option.flags}`);
      }
      for (const argument of command.registeredArguments) {
        if (!argument.description.trim()) missing.push(`${named(path)} <${argument.name()}>`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('offers --json on every command that prints a result', () => {
    const foreground: readonly string[] = FOREGROUND_COMMANDS;
    const without = tree
      .filter(({ command }) => command.commands.length === 0)
      .filter(({ path }) => !foreground.includes(named(path)))
      .filter(({ command }) => !command.options.some((option) => option.long === '--json'))
      .map(({ path }) => named(path));
    expect(without).toEqual([]);
  });

  it('prints the usage of every command on stdout for --help, exit code 0', async () => {
    for (const { path } of tree) {
      const result = await cli([...path, '--help']);
      expect({ command: named(path), code: result.code, stderr: result.stderr }).toEqual({
        command: named(path),
        code: EXIT.ok,
        stderr: '',
      });
      expect(result.stdout).toContain(`Usage: hindsight ${named(path)}`);
    }
  });

  it('lists the exit codes in the top-level help, `help exit-codes` and `exit-codes --json`', async () => {
    expect(EXIT_CODES.map(({ code }) => code)).toEqual(Object.values(EXIT));
    for (const args of [['--help'], ['help', 'exit-codes'], ['exit-codes']]) {
      const result = await cli(args);
      expect(result.code).toBe(EXIT.ok);
      for (const { code } of EXIT_CODES) {
        expect(result.stdout, args.join(' ')).toMatch(new RegExp(`^ *${code} +\\w`, 'm'));
      }
    }
    expect(jsonOf(await cli(['exit-codes', '--json']))).toEqual(EXIT_CODES);
  });

  it('ends usage errors with exit code 2, a message on stderr naming the help, nothing on stdout', async () => {
    const cases: [string[], string][] = [
      [['events', 'read', 'x', '--frob'], "unknown option '--frob'"],
      [['events', 'append'], "missing required argument 'stream'"],
      [['events', 'info', 'a', 'b'], 'too many arguments'],
      [['pipeline', 'approve', 'p-1'], "required option '--reviewer <name>' not specified"],
      [['pipeline', 'list', '--status', 'weird'], 'Allowed choices are running'],
      [['pipeline', 'run', 'v', '--approval', 'maybe'], 'Allowed choices are none, required'],
      [['models', 'predict', 'm', 'e', '--as-of', 'soon'], '--as-of takes a whole number'],
      [['snapshots', 'schedule', '--every', '30s'], '--every: must be at least 1m'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['pipeline'], 'Usage: hindsight pipeline'],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({
        args,
        code: EXIT.usage,
        stdout: '',
      });
      expect(result.stderr).toContain(message);
    }
    const unknownOption = await cli(['events', 'read', 'x', '--frob']);
    expect(unknownOption.stderr).toMatch(/^hindsight: unknown option/);
    expect(unknownOption.stderr).toContain('(see: hindsight events read --help)');
  });

  it('ends with 69 when the server is unreachable and 78 on a bad variable', async () => {
    const down = await cli(['events', 'read', 'x', '--json'], { HINDSIGHT_SERVER: '127.0.0.1:1' });
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(
      /^hindsight: UNAVAILABLE: .*is the server running at 127\.0\.0\.1:1\?/,
    );
    const badConfig = await cli(['events', 'read', 'x'], { HINDSIGHT_LOG_LEVEL: 'loud' });
    expect(badConfig.code).toBe(EXIT.config);
    expect(badConfig.stderr).toContain('HINDSIGHT_LOG_LEVEL');
  });
});

describe('hindsight against a server', () => {
  let db: TestDatabase;
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.store);
    env = { HINDSIGHT_SERVER: server.address };
  });

  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  it('prints one JSON document with --json (NDJSON for the event streams)', async () => {
    const appended = await cli(
      ['events', 'append', 'job-1', 'JobQueued', '{"size":3}', '--json'],
      env,
    );
    expect(jsonOf(appended)).toMatchObject({ streamVersion: 1, duplicate: false });
    expect(jsonOf(await cli(['events', 'info', 'job-1', '--json'], env))).toMatchObject({
      streamId: 'job-1',
      version: 1,
      archived: false,
    });
    const event = { streamId: 'job-1', type: 'JobQueued', data: { size: 3 } };
    expect(linesOf(await cli(['events', 'read', 'job-1', '--json'], env))).toMatchObject([event]);
    expect(linesOf(await cli(['events', 'read', '--all', '--json'], env))).toMatchObject([event]);
    const tail = await cli(['events', 'tail', '--from-start', '--count', '1', '--json'], env);
    expect(linesOf(tail)).toMatchObject([event]);
    expect(jsonOf(await cli(['events', 'archive', 'job-1', '--json'], env))).toEqual({
      streamId: 'job-1',
      archived: true,
      version: 1,
    });
    const missing = await cli(['events', 'info', 'job-404', '--json'], env);
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain("NOT_FOUND (STREAM_NOT_FOUND): stream 'job-404' not found");
  });

  it('is what a shell sees: real processes, the same output and exit codes', async () => {
    expect((await cli(['events', 'append', 'job-2', 'JobQueued'], env)).code).toBe(EXIT.ok);
    const [help, usage, badValue, read, down] = await Promise.all([
      hindsight(['--help']),
      hindsight(['events', 'read', 'x', '--frob']),
      hindsight(['models', 'predict', 'm', 'e', '--as-of', 'soon']),
      hindsight(['events', 'read', 'job-2', '--json'], env),
      hindsight(['events', 'read', 'job-2', '--json'], { HINDSIGHT_SERVER: '127.0.0.1:1' }),
    ]);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Usage: hindsight [options] [command]');
    expect(help.stdout).toContain('Exit codes');
    for (const result of [usage, badValue]) {
      expect(result.code).toBe(EXIT.usage);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^hindsight: /);
      expect(result.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    }
    expect(linesOf(read)).toMatchObject([{ streamId: 'job-2', type: 'JobQueued', data: {} }]);
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stdout).toBe('');
  });

  it('stops quietly when its reader closes the pipe early (| head)', async () => {
    // `true` reads nothing and exits at once: every write of the help meets a closed pipe.
    const piped = await new Promise<{ code: number | null; stderr: string; status: string }>(
      (resolve, reject) => {
        const child = spawn(
          'bash',
          [
            '-c',
            `"${process.execPath}" --import tsx cli/main.ts worker --help | true; echo "\${PIPESTATUS[0]}"`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr, status: stdout.trim() }));
      },
    );
    expect(piped.stderr).not.toContain('EPIPE');
    expect(piped.stderr).not.toMatch(/^\s+at /m);
    expect(piped.status).toBe('0');
  });
});
