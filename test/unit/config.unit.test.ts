// Unit tests of the environment configuration (the real process.env is never read).
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { ConfigError, loadConfig } from '../../config/env.js';

const configError = (env: NodeJS.ProcessEnv): ConfigError =>
  thrownBy(ConfigError, () => loadConfig(env));

const DEFAULTS = {
  DATABASE_URL: undefined,
  HINDSIGHT_DATA_DIR: '.data',
  HINDSIGHT_EMBEDDED_PG_PORT: 54329,
  HINDSIGHT_PG_POOL_MAX: 20,
  HINDSIGHT_GRPC_HOST: '0.0.0.0',
  HINDSIGHT_GRPC_PORT: 50051,
  HINDSIGHT_GRPC_MAX_MESSAGE_BYTES: 4 * 1024 * 1024,
  HINDSIGHT_API_TOKEN: undefined,
  HINDSIGHT_TLS_CERT_FILE: undefined,
  HINDSIGHT_TLS_KEY_FILE: undefined,
  HINDSIGHT_HTTP_HOST: '0.0.0.0',
  HINDSIGHT_HTTP_PORT: 8080,
  HINDSIGHT_TEMPORAL_UI_URL: undefined,
  HINDSIGHT_MLFLOW_UI_URL: undefined,
  HINDSIGHT_SHUTDOWN_GRACE_MS: 10_000,
  HINDSIGHT_POLL_INTERVAL_MS: 5000,
  HINDSIGHT_MAX_JSON_DEPTH: 64,
  HINDSIGHT_LOG_LEVEL: 'info',
  HINDSIGHT_SERVER: 'localhost:50051',
  HINDSIGHT_TLS_CA_FILE: undefined,
  TEMPORAL_ADDRESS: undefined,
  TEMPORAL_NAMESPACE: 'default',
  HINDSIGHT_TEMPORAL_PORT: 7233,
  HINDSIGHT_TEMPORAL_UI_PORT: 8233,
  MLFLOW_TRACKING_URI: undefined,
  HINDSIGHT_MLFLOW_PORT: 5000,
  HINDSIGHT_TASK_QUEUE: 'hindsight',
  HINDSIGHT_WORK_DIR: undefined,
  HINDSIGHT_GIT_COMMIT: undefined,
};

describe('loadConfig', () => {
  it('gives the defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual(DEFAULTS);
    for (const key of Object.keys(config)) expect(DEFAULTS).toHaveProperty(key);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', HINDSIGHT_NOPE: 'x' })).toEqual(DEFAULTS);
  });

  it('reads and coerces every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/hindsight',
      HINDSIGHT_DATA_DIR: '/var/lib/hindsight',
      HINDSIGHT_EMBEDDED_PG_PORT: '6543',
      HINDSIGHT_PG_POOL_MAX: '5',
      HINDSIGHT_GRPC_HOST: '127.0.0.1',
      HINDSIGHT_GRPC_PORT: '6000',
      HINDSIGHT_GRPC_MAX_MESSAGE_BYTES: '1024',
      HINDSIGHT_API_TOKEN: 'sixteen-chars-ok',
      HINDSIGHT_TLS_CERT_FILE: 'cert.pem',
      HINDSIGHT_TLS_KEY_FILE: 'key.pem',
      HINDSIGHT_HTTP_HOST: '127.0.0.1',
      HINDSIGHT_HTTP_PORT: '8181',
      HINDSIGHT_TEMPORAL_UI_URL: 'https://temporal.example',
      HINDSIGHT_MLFLOW_UI_URL: 'https://mlflow-ui.example',
      HINDSIGHT_SHUTDOWN_GRACE_MS: '0',
      HINDSIGHT_POLL_INTERVAL_MS: '60000',
      HINDSIGHT_MAX_JSON_DEPTH: '1000',
      HINDSIGHT_LOG_LEVEL: 'debug',
      HINDSIGHT_SERVER: 'events.example:443',
      HINDSIGHT_TLS_CA_FILE: 'ca.pem',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'hindsight',
      HINDSIGHT_TEMPORAL_PORT: '7300',
      HINDSIGHT_TEMPORAL_UI_PORT: '8300',
      MLFLOW_TRACKING_URI: 'https://mlflow.example',
      HINDSIGHT_MLFLOW_PORT: '5100',
      HINDSIGHT_TASK_QUEUE: 'hindsight-gpu',
      HINDSIGHT_WORK_DIR: '/scratch/hindsight',
      HINDSIGHT_GIT_COMMIT: 'abc123',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgresql://u:p@db:5432/hindsight',
      HINDSIGHT_DATA_DIR: '/var/lib/hindsight',
      HINDSIGHT_EMBEDDED_PG_PORT: 6543,
      HINDSIGHT_PG_POOL_MAX: 5,
      HINDSIGHT_GRPC_HOST: '127.0.0.1',
      HINDSIGHT_GRPC_PORT: 6000,
      HINDSIGHT_GRPC_MAX_MESSAGE_BYTES: 1024,
      HINDSIGHT_API_TOKEN: 'sixteen-chars-ok',
      HINDSIGHT_TLS_CERT_FILE: 'cert.pem',
      HINDSIGHT_TLS_KEY_FILE: 'key.pem',
      HINDSIGHT_HTTP_HOST: '127.0.0.1',
      HINDSIGHT_HTTP_PORT: 8181,
      HINDSIGHT_TEMPORAL_UI_URL: 'https://temporal.example',
      HINDSIGHT_MLFLOW_UI_URL: 'https://mlflow-ui.example',
      HINDSIGHT_SHUTDOWN_GRACE_MS: 0,
      HINDSIGHT_POLL_INTERVAL_MS: 60_000,
      HINDSIGHT_MAX_JSON_DEPTH: 1000,
      HINDSIGHT_LOG_LEVEL: 'debug',
      HINDSIGHT_SERVER: 'events.example:443',
      HINDSIGHT_TLS_CA_FILE: 'ca.pem',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'hindsight',
      HINDSIGHT_TEMPORAL_PORT: 7300,
      HINDSIGHT_TEMPORAL_UI_PORT: 8300,
      MLFLOW_TRACKING_URI: 'https://mlflow.example',
      HINDSIGHT_MLFLOW_PORT: 5100,
      HINDSIGHT_TASK_QUEUE: 'hindsight-gpu',
      HINDSIGHT_WORK_DIR: '/scratch/hindsight',
      HINDSIGHT_GIT_COMMIT: 'abc123',
    });
  });

  it('accepts postgres:// as well as postgresql://', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x' }).DATABASE_URL).toBe(
      'postgres://localhost/x',
    );
  });

  it('treats blank optional text as unset', () => {
    const config = loadConfig({
      DATABASE_URL: '  ',
      HINDSIGHT_API_TOKEN: '',
      HINDSIGHT_TLS_CERT_FILE: ' ',
      HINDSIGHT_TLS_KEY_FILE: '',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.HINDSIGHT_API_TOKEN).toBeUndefined();
    expect(config.HINDSIGHT_TLS_CERT_FILE).toBeUndefined();
  });

  it.each(['0', '65535'])('accepts the port %s', (port) => {
    expect(loadConfig({ HINDSIGHT_GRPC_PORT: port }).HINDSIGHT_GRPC_PORT).toBe(Number(port));
  });

  it.each([
    ['HINDSIGHT_GRPC_PORT', 'abc'],
    ['HINDSIGHT_GRPC_PORT', '70000'],
    ['HINDSIGHT_GRPC_PORT', '65536'],
    ['HINDSIGHT_GRPC_PORT', '-1'],
    ['HINDSIGHT_GRPC_PORT', '80.5'],
    ['HINDSIGHT_EMBEDDED_PG_PORT', '99999'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['MLFLOW_TRACKING_URI', 'ftp://mlflow'],
    ['HINDSIGHT_MLFLOW_PORT', 'five'],
    ['HINDSIGHT_PG_POOL_MAX', '0'],
    ['HINDSIGHT_PG_POOL_MAX', '1001'],
    ['HINDSIGHT_GRPC_MAX_MESSAGE_BYTES', '1023'],
    ['HINDSIGHT_POLL_INTERVAL_MS', '60001'],
    ['HINDSIGHT_MAX_JSON_DEPTH', '0'],
    ['HINDSIGHT_MAX_JSON_DEPTH', '1001'],
    ['HINDSIGHT_SHUTDOWN_GRACE_MS', '-5'],
    ['HINDSIGHT_LOG_LEVEL', 'verbose'],
    ['HINDSIGHT_TASK_QUEUE', 'has space'],
  ])('refuses %s=%s, naming the variable and the value', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(error.problems[0]).toContain(`(got '${value}')`);
    expect(error.message).toContain(name);
    expect(error.message.startsWith('invalid configuration:\n  - ')).toBe(true);
  });

  it.each(['mysql://x', 'localhost:5432', 'postgres:/x'])('refuses DATABASE_URL=%s', (url) => {
    const error = configError({ DATABASE_URL: url });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^DATABASE_URL: a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('refuses a token shorter than 16 characters without echoing it', () => {
    const token = 'fifteen-chars-x';
    expect(token).toHaveLength(15);
    const error = configError({ HINDSIGHT_API_TOKEN: token });
    expect(error.message).toContain('HINDSIGHT_API_TOKEN');
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).toContain('***');
    expect(error.message).not.toContain(token);
    expect(error.problems.join('\n')).not.toContain(token);
  });

  it('accepts a token of exactly 16 characters', () => {
    expect(loadConfig({ HINDSIGHT_API_TOKEN: 'x'.repeat(16) }).HINDSIGHT_API_TOKEN).toBe(
      'x'.repeat(16),
    );
  });

  it('refuses a TLS certificate without a key, naming the missing key', () => {
    const error = configError({ HINDSIGHT_TLS_CERT_FILE: 'cert.pem' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^HINDSIGHT_TLS_KEY_FILE: /);
    expect(error.message).toContain('set both or neither');
  });

  it('refuses a TLS key without a certificate, naming the missing certificate', () => {
    const error = configError({ HINDSIGHT_TLS_KEY_FILE: 'key.pem' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^HINDSIGHT_TLS_CERT_FILE: /);
  });

  it('reports every bad variable at once', () => {
    const error = configError({ HINDSIGHT_GRPC_PORT: 'abc', HINDSIGHT_LOG_LEVEL: 'loud' });
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('HINDSIGHT_GRPC_PORT');
    expect(error.message).toContain('HINDSIGHT_LOG_LEVEL');
  });

  // Number('') is 0: a blank port must mean "unset", not "any free port".
  it('treats an empty HINDSIGHT_GRPC_PORT as unset', () => {
    expect(loadConfig({ HINDSIGHT_GRPC_PORT: '' }).HINDSIGHT_GRPC_PORT).toBe(50051);
  });

  it('never echoes the password of a malformed DATABASE_URL', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://user:s3cret@db:3306/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('mysql://***@db:3306/x');
    expect(message).not.toContain('s3cret');
  });
});
