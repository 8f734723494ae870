// Unit tests of the MLflow client's request layer with a fake fetch: retries, error mapping,
// and the splitting of log-batch requests within MLflow's limits (no server).
import { describe, expect, it } from 'vitest';
import { rejectionWith } from '../support/wait.js';
import { isMlflowError, MlflowError } from '../../mlflow/errors.js';
import { createMlflowHttp, type Fetch } from '../../mlflow/http.js';
import { LIMITS } from '../../mlflow/limits.js';
import { logBatch, splitLogBatch, type WireBatch } from '../../mlflow/logBatch.js';
import { getModelVersionByAlias } from '../../mlflow/aliases.js';
import { backoffDelay } from '../../mlflow/retry.js';

interface Call {
  url: string;
  method: string;
  body: string | undefined;
  headers: Record<string, string>;
}

type Answer = Response | Error | (() => Response);

/** A fetch that records its calls and plays back `answers` in order (the last one repeats). */
const fakeFetch = (...answers: Answer[]): { fetch: Fetch; calls: Call[] } => {
  const calls: Call[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({
      url,
      method: init.method ?? 'GET',
      body: typeof init.body === 'string' ? init.body : undefined,
      headers: (init.headers ?? {}) as Record<string, string>,
    });
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(typeof answer === 'function' ? answer() : answer!.clone());
  };
  return { fetch, calls };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const http = (fetch: Fetch, attempts = 3) =>
  createMlflowHttp({
    trackingUri: 'http://mlflow.test/',
    fetch,
    retry: { attempts, baseDelayMs: 1 },
  });

const failureOf = (promise: Promise<unknown>): Promise<MlflowError> =>
  rejectionWith(MlflowError, promise);

const connectionRefused = (): Error =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });

describe('MLflow requests', () => {
  it('sends GET payloads as a query string and others as a JSON body', async () => {
    const { fetch, calls } = fakeFetch(json(200, {}));
    const client = http(fetch);
    await client.call('GET', 'runs/get', { run_id: 'r 1', skipped: undefined, ids: ['a', 'b'] });
    await client.call('POST', 'runs/search', { experiment_ids: ['1'], filter: undefined });
    expect(calls[0]).toMatchObject({
      method: 'GET',
      url: 'http://mlflow.test/api/2.0/mlflow/runs/get?run_id=r+1&ids=a&ids=b',
      body: undefined,
    });
    expect(calls[1]).toMatchObject({
      method: 'POST',
      url: 'http://mlflow.test/api/2.0/mlflow/runs/search',
      body: '{"experiment_ids":["1"]}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('retries a 503 and returns the answer that follows', async () => {
    const { fetch, calls } = fakeFetch(
      json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }),
      json(200, { run: { info: { run_id: 'r1' } } }),
    );
    const answer = await http(fetch).call<{ run: { info: { run_id: string } } }>('GET', 'runs/get');
    expect(answer.run.info.run_id).toBe('r1');
    expect(calls).toHaveLength(2);
  });

  it('does not retry a 400 and carries MLflow’s error code, message and status', async () => {
    const { fetch, calls } = fakeFetch(
      json(400, {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Changing param values is not allowed.',
      }),
    );
    const error = await failureOf(http(fetch).call('POST', 'runs/log-batch', {}));
    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      httpStatus: 400,
      retryable: false,
      attempts: 1,
      endpoint: 'POST /api/2.0/mlflow/runs/log-batch',
    });
    expect(error.message).toContain('Changing param values is not allowed.');
  });

  it('maps a 404 with MLflow’s body to RESOURCE_DOES_NOT_EXIST, not retried', async () => {
    const { fetch, calls } = fakeFetch(
      json(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found' }),
    );
    const error = await failureOf(http(fetch).call('GET', 'runs/get', { run_id: 'x' }));
    expect(calls).toHaveLength(1);
    expect(isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('gives up after the configured attempts and raises the last failure as retryable', async () => {
    const { fetch, calls } = fakeFetch(json(503, { error_code: 'TEMPORARILY_UNAVAILABLE' }));
    const error = await failureOf(http(fetch, 3).call('GET', 'runs/get'));
    expect(calls).toHaveLength(3);
    expect(error).toMatchObject({
      errorCode: 'TEMPORARILY_UNAVAILABLE',
      httpStatus: 503,
      retryable: true,
      attempts: 3,
    });
    expect(error.message).toContain('gave up after 3 attempts');
  });

  it('maps answers without MLflow’s body by their status', async () => {
    const html = (status: number) => () =>
      new Response('<html>Bad Gateway</html>', {
        status,
        headers: { 'content-type': 'text/html' },
      });
    const cases: [number, string, boolean][] = [
      [502, 'INTERNAL_ERROR', true],
      [429, 'REQUEST_LIMIT_EXCEEDED', true],
      [504, 'DEADLINE_EXCEEDED', true],
      [404, 'ENDPOINT_NOT_FOUND', false],
      [401, 'UNAUTHENTICATED', false],
      [403, 'PERMISSION_DENIED', false],
      [400, 'BAD_REQUEST', false],
    ];
    for (const [status, errorCode, retryable] of cases) {
      const error = await failureOf(http(fakeFetch(html(status)).fetch, 1).call('GET', 'x'));
      expect(error).toMatchObject({ errorCode, retryable, httpStatus: status });
      expect(error.message).toContain('Bad Gateway');
    }
  });

  it('retries a 429 and honours its Retry-After', async () => {
    const { fetch, calls } = fakeFetch(
      new Response('slow down', { status: 429, headers: { 'retry-after': '0.05' } }),
      json(200, { ok: true }),
    );
    const started = Date.now();
    await http(fetch).call('GET', 'x');
    expect(calls).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('retries refused connections and raises TEMPORARILY_UNAVAILABLE without a status', async () => {
    const { fetch, calls } = fakeFetch(connectionRefused());
    const error = await failureOf(http(fetch, 2).call('GET', 'x'));
    expect(calls).toHaveLength(2);
    expect(error).toMatchObject({
      errorCode: 'TEMPORARILY_UNAVAILABLE',
      httpStatus: null,
      retryable: true,
      attempts: 2,
    });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('recovers when a connection reset is followed by an answer', async () => {
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    const { fetch, calls } = fakeFetch(reset, json(200, { ok: 1 }));
    expect(await http(fetch).call('GET', 'x')).toEqual({ ok: 1 });
    expect(calls).toHaveLength(2);
  });

  it('maps a timeout to DEADLINE_EXCEEDED, retryable', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const error = await failureOf(http(fakeFetch(timeout).fetch, 1).call('GET', 'x'));
    expect(error).toMatchObject({ errorCode: 'DEADLINE_EXCEEDED', retryable: true });
  });

  it('passes other failures through untouched and does not retry them', async () => {
    const bug = new RangeError('not a network problem');
    const { fetch, calls } = fakeFetch(bug);
    await expect(http(fetch).call('GET', 'x')).rejects.toBe(bug);
    expect(calls).toHaveLength(1);
  });

  it('gives each attempt its own deadline', async () => {
    // Never answers; rejects the way fetch does when its signal fires.
    const fetch: Fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      );
    const client = createMlflowHttp({
      trackingUri: 'http://mlflow.test',
      fetch,
      retry: { attempts: 2, baseDelayMs: 1 },
      timeoutMs: 20,
    });
    const error = await failureOf(client.call('GET', 'x'));
    expect(error).toMatchObject({ errorCode: 'DEADLINE_EXCEEDED', retryable: true, attempts: 2 });
  });

  it('backs off exponentially, with jitter, up to the maximum', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(policy, 1, null, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, null, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, null, () => 1)).toBe(400);
    expect(backoffDelay(policy, 8, null, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 1, 700, () => 0)).toBe(700);
  });
});

describe('an alias that does not exist', () => {
  it('is RESOURCE_DOES_NOT_EXIST, although MLflow answers INVALID_PARAMETER_VALUE', async () => {
    const { fetch, calls } = fakeFetch(
      json(400, {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Registered model alias champion not found.',
      }),
      json(200, { registered_model: { name: 'm', aliases: [{ alias: 'other', version: '1' }] } }),
    );
    const error = await failureOf(
      getModelVersionByAlias(http(fetch), { name: 'm', alias: 'champion' }),
    );
    expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', retryable: false });
    expect(error.message).toContain('alias champion not found');
    expect(calls.map((c) => c.url)).toEqual([
      'http://mlflow.test/api/2.0/mlflow/registered-models/alias?name=m&alias=champion',
      'http://mlflow.test/api/2.0/mlflow/registered-models/get?name=m',
    ]);
  });
});

describe('log-batch splitting', () => {
  const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i }));
  const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
  const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, `v${i}`]));

  const withinLimits = (batch: WireBatch): boolean =>
    batch.metrics.length <= LIMITS.metricsPerBatch &&
    batch.params.length <= LIMITS.paramsPerBatch &&
    batch.tags.length <= LIMITS.tagsPerBatch &&
    batch.metrics.length + batch.params.length + batch.tags.length <= LIMITS.entitiesPerBatch;

  it('keeps every request within MLflow’s limits and sends everything exactly once, in order', () => {
    const batches = splitLogBatch({ metrics, params, tags }, 1_700_000_000_000);
    expect(batches.every(withinLimits)).toBe(true);
    expect(batches.flatMap((b) => b.metrics.map((m) => m.step))).toEqual(
      metrics.map((m) => m.step),
    );
    expect(batches.flatMap((b) => b.params.map((p) => p.key))).toEqual(Object.keys(params));
    expect(batches.flatMap((b) => b.tags.map((t) => t.key))).toEqual(Object.keys(tags));
    // 2900 entities, at most 1000 each: three requests suffice.
    expect(batches).toHaveLength(3);
    expect(batches[0]!.metrics[0]).toEqual({
      key: 'm0',
      value: 0,
      timestamp: 1_700_000_000_000,
      step: 0,
    });
    expect(batches[0]!.params[0]).toEqual({ key: 'p0', value: '0' });
  });

  it('splits by the params limit alone when only params are given', () => {
    const batches = splitLogBatch({ params });
    expect(batches.map((b) => b.params.length)).toEqual([100, 100, 50]);
  });

  it('sends nothing for an empty batch', () => {
    expect(splitLogBatch({})).toEqual([]);
  });

  it('sends non-finite values as protobuf JSON spells them', () => {
    const [batch] = splitLogBatch({
      metrics: [
        { key: 'a', value: Number.NaN },
        { key: 'b', value: Number.POSITIVE_INFINITY },
      ],
    });
    expect(batch!.metrics.map((m) => m.value)).toEqual(['NaN', 'Infinity']);
  });

  it('refuses a param value over 6000 characters, counting code points as MLflow does', () => {
    const emoji = '😀'.repeat(6000); // 12000 UTF-16 units, 6000 characters
    expect(splitLogBatch({ params: { ok: emoji } })).toHaveLength(1);
    const tooLong = (): unknown => splitLogBatch({ params: { big: 'x'.repeat(6001) } });
    expect(tooLong).toThrow(MlflowError);
    expect(tooLong).toThrow(/param 'big' value is 6001 characters long; MLflow allows 6000/);
  });

  it('refuses an oversized batch before sending any of it', async () => {
    const { fetch, calls } = fakeFetch(json(200, {}));
    const error = await failureOf(
      logBatch(http(fetch), { runId: 'r', metrics, params: { ...params, big: 'x'.repeat(6001) } }),
    );
    expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', retryable: false });
    expect(calls).toHaveLength(0);
  });

  it('posts one request per chunk, each naming the run', async () => {
    const { fetch, calls } = fakeFetch(json(200, {}));
    await logBatch(http(fetch), { runId: 'r1', metrics, params, tags });
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.url).toBe('http://mlflow.test/api/2.0/mlflow/runs/log-batch');
      const body = JSON.parse(call.body!) as WireBatch & { run_id: string };
      expect(body.run_id).toBe('r1');
      expect(withinLimits(body)).toBe(true);
    }
  });
});
