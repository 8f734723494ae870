// The MLflow client against a real MLflow server (started by the globalSetup, or
// MLFLOW_TRACKING_URI): tracking, dataset inputs, artifacts through the proxy, the registry with
// aliases, idempotent run creation under concurrency, and failures.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rejectionWith } from '../support/wait.js';
import {
  createMlflowClient,
  DUPLICATE_OF_TAG,
  IDEMPOTENCY_KEY_TAG,
  MlflowError,
  type Run,
} from '../../mlflow/index.js';
import { freePort } from '../../stack/processes.js';

const client = createMlflowClient({
  trackingUri: inject('mlflowUri'),
  retry: { attempts: 3, baseDelayMs: 50 },
});
// Names unique to this run, in case the server is a shared one (MLFLOW_TRACKING_URI).
const unique = randomBytes(4).toString('hex');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const failureOf = (promise: Promise<unknown>): Promise<MlflowError> =>
  rejectionWith(MlflowError, promise);

describe('MLflow client', () => {
  let experimentId: string;
  let scratch: string;

  beforeAll(async () => {
    experimentId = (await client.getOrCreateExperiment({ name: `hindsight-test-${unique}` }))
      .experimentId;
    scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-mlflow-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const newRun = (runName: string, tags: Record<string, string> = {}): Promise<Run> =>
    client.createRun({ experimentId, runName, tags });

  describe('experiments', () => {
    it('gets or creates an experiment: the same id every time, also concurrently', async () => {
      const name = `hindsight-test-${unique}-experiment`;
      const first = await client.getOrCreateExperiment({ name, tags: { owner: 'tests' } });
      const again = await client.getOrCreateExperiment({ name });
      const concurrent = await Promise.all(
        [1, 2, 3].map(() => client.getOrCreateExperiment({ name: `${name}-concurrent` })),
      );
      expect(again.experimentId).toBe(first.experimentId);
      expect(first).toMatchObject({ name, lifecycleStage: 'active', tags: { owner: 'tests' } });
      expect(first.artifactLocation).toBe(`mlflow-artifacts:/${first.experimentId}`);
      expect(new Set(concurrent.map((e) => e.experimentId)).size).toBe(1);
    });

    it('raises RESOURCE_DOES_NOT_EXIST for an unknown name', async () => {
      const error = await failureOf(client.getExperimentByName(`no-such-experiment-${unique}`));
      expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', httpStatus: 404 });
    });
  });

  describe('runs', () => {
    it('creates a run, reads it, and finishes it with an end time', async () => {
      const created = await newRun('lifecycle', { 'hindsight.workflow_id': 'wf-1' });
      expect(created.info).toMatchObject({
        runName: 'lifecycle',
        experimentId,
        status: 'RUNNING',
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: `mlflow-artifacts:/${experimentId}/${created.info.runId}/artifacts`,
      });
      const read = await client.getRun(created.info.runId);
      expect(read.tags).toMatchObject({
        'hindsight.workflow_id': 'wf-1',
        'mlflow.runName': 'lifecycle',
      });

      const before = Date.now();
      const info = await client.updateRun({ runId: created.info.runId, status: 'FINISHED' });
      expect(info.status).toBe('FINISHED');
      const finished = await client.getRun(created.info.runId);
      expect(finished.info.status).toBe('FINISHED');
      expect(finished.info.endTime).toBeGreaterThanOrEqual(before);
    });

    it('logs more than 1000 metrics and 100 params in one call, all of which arrive', async () => {
      const { info } = await newRun('batch');
      const losses = Array.from({ length: 1200 }, (_, step) => ({
        key: 'loss',
        value: 1 / (step + 1),
        step,
        timestamp: 1_700_000_000_000 + step,
      }));
      const singles = Array.from({ length: 300 }, (_, i) => ({ key: `feature.${i}`, value: i }));
      const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`param_${i}`, i]));
      const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`tag_${i}`, `v${i}`]));
      await client.logBatch({ runId: info.runId, metrics: [...losses, ...singles], params, tags });

      const run = await client.getRun(info.runId);
      expect(Object.keys(run.params)).toHaveLength(250);
      expect(run.params.param_249).toBe('249');
      expect(run.tags).toMatchObject(tags);
      expect(run.metrics).toHaveLength(301); // the latest point of each key
      expect(run.metrics.find((m) => m.key === 'loss')).toMatchObject({ step: 1199 });
      const history = await client.getMetricHistory({ runId: info.runId, key: 'loss' });
      expect(history.map((m) => m.step).sort((a, b) => a - b)).toEqual(losses.map((m) => m.step));

      // Logging the same points again (a retried activity) adds nothing.
      await client.logBatch({ runId: info.runId, metrics: losses, params });
      expect(await client.getMetricHistory({ runId: info.runId, key: 'loss' })).toHaveLength(1200);
    });

    it('keeps params write-once: the same value again is fine, another value is refused', async () => {
      const { info } = await newRun('params');
      await client.logBatch({ runId: info.runId, params: { learning_rate: 0.1, depth: 6 } });
      await client.logBatch({ runId: info.runId, params: { learning_rate: 0.1 } });
      const error = await failureOf(
        client.logBatch({ runId: info.runId, params: { learning_rate: 0.2 } }),
      );
      expect(error).toMatchObject({
        errorCode: 'INVALID_PARAMETER_VALUE',
        httpStatus: 400,
        retryable: false,
      });
      expect(error.message).toContain('Changing param values is not allowed');
      expect((await client.getRun(info.runId)).params).toEqual({
        learning_rate: '0.1',
        depth: '6',
      });
    });

    it('records a dataset input with its digest, source, schema, profile and tags', async () => {
      const { info } = await newRun('inputs');
      const dataset = {
        name: 'work-orders-v1',
        digest: 'a3f1c9e07b2d4e56',
        sourceType: 'hindsight-cut',
        source: JSON.stringify({ featureView: 'work-orders@1', cut: 123456 }),
        schema: JSON.stringify({ columns: [{ name: 'duration', type: 'double' }] }),
        profile: JSON.stringify({ rows: 4200 }),
      };
      const input = { dataset, tags: { 'mlflow.data.context': 'training' } };
      await client.logInputs({ runId: info.runId, datasets: [input] });
      await client.logInputs({ runId: info.runId, datasets: [input] }); // idempotent
      const run = await client.getRun(info.runId);
      expect(run.datasetInputs).toEqual([input]);
    });

    it('links one new dataset to many runs logging it at once (MLflow inserts it racily)', async () => {
      const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => newRun(`race-${i}`)));
      const input = {
        dataset: {
          name: `raced-${randomBytes(4).toString('hex')}`,
          digest: 'b4e2d8f1a0c3e579',
          sourceType: 'hindsight-cut',
          source: '{}',
        },
        tags: {},
      };
      await Promise.all(
        runs.map(({ info }) => client.logInputs({ runId: info.runId, datasets: [input] })),
      );
      for (const { info } of runs) {
        const run = await client.getRun(info.runId);
        expect(run.datasetInputs.map((d) => d.dataset.name)).toEqual([input.dataset.name]);
      }
    });

    it('sets a tag, overwriting its value', async () => {
      const { info } = await newRun('tags');
      await client.setTag({ runId: info.runId, key: 'hindsight.git_commit', value: 'abc' });
      await client.setTag({ runId: info.runId, key: 'hindsight.git_commit', value: 'def' });
      expect((await client.getRun(info.runId)).tags['hindsight.git_commit']).toBe('def');
    });

    it('searches runs with a filter, page by page', async () => {
      const batch = `search-${unique}`;
      const created = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => newRun(`search-${i}`, { 'hindsight.batch': batch })),
      );
      await newRun('not-in-batch', { 'hindsight.batch': 'other' });
      const filter = `tags.\`hindsight.batch\` = '${batch}'`;
      const pages: string[][] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.searchRuns({
          experimentIds: [experimentId],
          filter,
          maxResults: 2,
          orderBy: ['attributes.run_name ASC'],
          pageToken,
        });
        pages.push(page.items.map((r) => r.info.runName));
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      expect(pages).toEqual([['search-0', 'search-1'], ['search-2', 'search-3'], ['search-4']]);
      const all = await client.searchAllRuns({
        experimentIds: [experimentId],
        filter,
        maxResults: 2,
      });
      expect(all.map((r) => r.info.runId).sort()).toEqual(created.map((r) => r.info.runId).sort());
    });

    it('raises RESOURCE_DOES_NOT_EXIST, not retryable, for an unknown run id', async () => {
      const error = await failureOf(client.getRun('0123456789abcdef0123456789abcdef'));
      expect(error).toMatchObject({
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
        httpStatus: 404,
        retryable: false,
        attempts: 1,
      });
    });
  });

  describe('artifacts', () => {
    it('uploads a text file and a 30 MB buffer, lists them, and downloads the same bytes', async () => {
      const { info } = await newRun('artifacts');
      const textPath = path.join(scratch, 'notes.txt');
      const text = Buffer.from('why this model: better holdout AUC\n');
      await writeFile(textPath, text);
      const big = randomBytes(30 * 1024 * 1024);

      await client.uploadArtifact({
        runId: info.runId,
        path: 'notes.txt',
        content: { filePath: textPath },
        contentType: 'text/plain',
        // The run's artifact URI given: no look-up of the run.
        artifactUri: info.artifactUri,
      });
      await client.uploadArtifact({ runId: info.runId, path: 'data/train.bin', content: big });

      expect(await client.listArtifacts({ runId: info.runId })).toEqual([
        { path: 'data', isDir: true, fileSize: null },
        { path: 'notes.txt', isDir: false, fileSize: text.length },
      ]);
      expect(await client.listArtifacts({ runId: info.runId, path: 'data' })).toEqual([
        { path: 'data/train.bin', isDir: false, fileSize: big.length },
      ]);

      const textBack = await client.downloadArtifact({ runId: info.runId, path: 'notes.txt' });
      expect(sha256(textBack)).toBe(sha256(text));
      const bigBack = await client.downloadArtifact({ runId: info.runId, path: 'data/train.bin' });
      expect(sha256(bigBack)).toBe(sha256(big));
      const file = path.join(scratch, 'train.bin');
      const { bytes } = await client.downloadArtifactToFile({
        runId: info.runId,
        path: 'data/train.bin',
        filePath: file,
        artifactUri: info.artifactUri,
      });
      expect(bytes).toBe(big.length);
      expect(sha256(await readFile(file))).toBe(sha256(big));
    });

    it('deletes a folder of artifacts, and deleting it again is not an error', async () => {
      const { info } = await newRun('delete-artifacts');
      const runId = info.runId;
      await client.uploadArtifact({ runId, path: 'work/a.bin', content: randomBytes(10) });
      await client.uploadArtifact({ runId, path: 'work/b.bin', content: randomBytes(10) });
      await client.uploadArtifact({ runId, path: 'kept.txt', content: Buffer.from('kept') });

      await client.deleteArtifact({ runId, path: 'work' });
      await client.deleteArtifact({ runId, path: 'work' });

      expect(await client.listArtifacts({ runId })).toEqual([
        { path: 'kept.txt', isDir: false, fileSize: 4 },
      ]);
    });

    it('raises RESOURCE_DOES_NOT_EXIST for a missing artifact', async () => {
      const { info } = await newRun('no-artifacts');
      const error = await failureOf(
        client.downloadArtifact({ runId: info.runId, path: 'nope.bin' }),
      );
      expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', retryable: false });
    });
  });

  describe('model registry', () => {
    const modelName = `hindsight-test-${unique}-model`;

    const registerFromRun = async (runName: string) => {
      const run = await newRun(runName);
      await client.uploadArtifact({
        runId: run.info.runId,
        path: 'model/model.json',
        content: Buffer.from(JSON.stringify({ trainer: 'gbdt', run: runName })),
      });
      return client.createModelVersion({
        name: modelName,
        source: `${run.info.artifactUri}/model`,
        runId: run.info.runId,
        tags: { 'hindsight.dataset_digest': 'a3f1c9e07b2d4e56' },
      });
    };

    it('gets or creates a registered model and tags it', async () => {
      const first = await client.getOrCreateRegisteredModel({
        name: modelName,
        tags: { team: 'ml' },
      });
      const again = await client.getOrCreateRegisteredModel({ name: modelName });
      expect(again).toMatchObject({ name: modelName, tags: { team: 'ml' } });
      expect(again.creationTimestamp).toBe(first.creationTimestamp);
      await client.setRegisteredModelTag({ name: modelName, key: 'task', value: 'duration' });
      expect((await client.getRegisteredModel(modelName)).tags).toEqual({
        team: 'ml',
        task: 'duration',
      });
    });

    it('registers versions from runs and moves the champion alias between them', async () => {
      await client.getOrCreateRegisteredModel({ name: modelName });
      const v1 = await registerFromRun('model-1');
      const v2 = await registerFromRun('model-2');
      expect(v1).toMatchObject({ name: modelName, status: 'READY' });
      expect(Number(v2.version)).toBe(Number(v1.version) + 1);
      expect(v1.source).toMatch(/^mlflow-artifacts:\/.+\/artifacts\/model$/);
      expect(v1.tags).toEqual({ 'hindsight.dataset_digest': 'a3f1c9e07b2d4e56' });

      await client.setModelVersionTag({ ...v1, key: 'validation', value: 'passed' });
      expect((await client.getModelVersion(v1)).tags.validation).toBe('passed');
      const found = await client.searchModelVersions({ filter: `name = '${modelName}'` });
      expect(found.items.map((v) => v.version).sort()).toEqual([v1.version, v2.version].sort());

      await client.setModelAlias({ name: modelName, alias: 'champion', version: v1.version });
      const champion = await client.getModelVersionByAlias({ name: modelName, alias: 'champion' });
      expect(champion).toMatchObject({
        version: v1.version,
        runId: v1.runId,
        aliases: ['champion'],
      });

      await client.setModelAlias({ name: modelName, alias: 'champion', version: v2.version });
      const moved = await client.getModelVersionByAlias({ name: modelName, alias: 'champion' });
      expect(moved.version).toBe(v2.version);
      expect((await client.getModelVersion(v1)).aliases).toEqual([]);
      expect((await client.getRegisteredModel(modelName)).aliases).toEqual({
        champion: v2.version,
      });

      await client.deleteModelAlias({ name: modelName, alias: 'champion' });
      await client.deleteModelAlias({ name: modelName, alias: 'champion' }); // idempotent
      const error = await failureOf(
        client.getModelVersionByAlias({ name: modelName, alias: 'champion' }),
      );
      expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', retryable: false });
    });

    it('refuses a version whose source is outside the given run’s artifacts', async () => {
      await client.getOrCreateRegisteredModel({ name: modelName });
      const run = await newRun('model-mismatch');
      const other = await newRun('model-other');
      const error = await failureOf(
        client.createModelVersion({
          name: modelName,
          source: `${other.info.artifactUri}/model`,
          runId: run.info.runId,
        }),
      );
      expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', retryable: false });
    });

    it('raises RESOURCE_DOES_NOT_EXIST for an alias of an unknown model', async () => {
      const error = await failureOf(
        client.getModelVersionByAlias({ name: `no-such-model-${unique}`, alias: 'champion' }),
      );
      expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('idempotent run creation', () => {
    const activeRunsWith = (key: string) =>
      client.searchAllRuns({
        experimentIds: [experimentId],
        filter: `tags.\`${IDEMPOTENCY_KEY_TAG}\` = '${key}'`,
      });

    it('returns the same run when called again with the same key', async () => {
      const key = `train-${unique}-sequential`;
      const first = await client.createRunIdempotent({
        experimentId,
        idempotencyKey: key,
        runName: 'r',
      });
      const second = await client.createRunIdempotent({
        experimentId,
        idempotencyKey: key,
        runName: 'r',
      });
      expect(second.info.runId).toBe(first.info.runId);
      expect(first.tags[IDEMPOTENCY_KEY_TAG]).toBe(key);
      expect(await activeRunsWith(key)).toHaveLength(1);
    });

    it('leaves exactly one live run when three callers race, and all of them get it', async () => {
      const key = `train-${unique}-concurrent`;
      const runs = await Promise.all(
        [1, 2, 3].map(() =>
          client.createRunIdempotent({
            experimentId,
            idempotencyKey: key,
            runName: 'raced',
            tags: { 'hindsight.workflow_id': 'wf-race' },
          }),
        ),
      );
      const winner = runs[0]!.info.runId;
      expect(runs.map((r) => r.info.runId)).toEqual([winner, winner, winner]);
      const active = await activeRunsWith(key);
      expect(active.map((r) => r.info.runId)).toEqual([winner]);
      // Usually all three searched before any created, so three runs were made; the losers
      // deleted themselves, pointing at the winner.
      const all = await client.searchAllRuns({
        experimentIds: [experimentId],
        filter: `tags.\`${IDEMPOTENCY_KEY_TAG}\` = '${key}'`,
        runViewType: 'ALL',
      });
      const losers = all.filter((r) => r.info.runId !== winner);
      expect(losers.length).toBeLessThanOrEqual(2);
      for (const loser of losers) {
        expect(loser.info.lifecycleStage).toBe('deleted');
        expect(loser.tags[DUPLICATE_OF_TAG]).toBe(winner);
      }
    });

    it('an exclusive caller (first activity attempt) skips the settle waits', async () => {
      // A settle wait far longer than the test's bound: only skipping it returns in time.
      const slow = createMlflowClient({
        trackingUri: inject('mlflowUri'),
        idempotencySettleMs: 30_000,
      });
      const key = `train-${unique}-exclusive`;
      const started = Date.now();
      const run = await slow.createRunIdempotent({
        experimentId,
        idempotencyKey: key,
        runName: 'exclusive',
        exclusive: true,
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await activeRunsWith(key)).map((r) => r.info.runId)).toEqual([run.info.runId]);
      // A later call with the same key finds it, exclusive or not.
      const again = await slow.createRunIdempotent({
        experimentId,
        idempotencyKey: key,
        exclusive: true,
      });
      expect(again.info.runId).toBe(run.info.runId);
    });

    it('an exclusive caller whose create landed twice settles on one run', async () => {
      // The first create's response is lost after it landed; the client's retry creates again.
      let lost = false;
      const lossy = createMlflowClient({
        trackingUri: inject('mlflowUri'),
        retry: { attempts: 3, baseDelayMs: 10 },
        idempotencySettleMs: 100,
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (!lost && url.endsWith('/runs/create')) {
            lost = true;
            throw new TypeError('fetch failed'); // as undici reports a reset connection
          }
          return response;
        },
      });
      const key = `train-${unique}-exclusive-twice`;
      const run = await lossy.createRunIdempotent({
        experimentId,
        idempotencyKey: key,
        runName: 'twice',
        exclusive: true,
      });
      expect(lost).toBe(true);
      const all = await client.searchAllRuns({
        experimentIds: [experimentId],
        filter: `tags.\`${IDEMPOTENCY_KEY_TAG}\` = '${key}'`,
        runViewType: 'ALL',
      });
      expect(all).toHaveLength(2);
      const active = all.filter((r) => r.info.lifecycleStage === 'active');
      expect(active.map((r) => r.info.runId)).toEqual([run.info.runId]);
    });

    it('refuses a key that cannot be quoted in a search filter', async () => {
      const error = await failureOf(
        client.createRunIdempotent({ experimentId, idempotencyKey: "it's" }),
      );
      expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', httpStatus: null });
    });
  });

  describe('an unreachable server', () => {
    it('is retried the configured number of times, then raised as retryable', async () => {
      const port = await freePort();
      const unreachable = createMlflowClient({
        trackingUri: `http://127.0.0.1:${port}`,
        retry: { attempts: 2, baseDelayMs: 10 },
      });
      const started = Date.now();
      const error = await failureOf(unreachable.getRun('0123456789abcdef0123456789abcdef'));
      expect(error).toMatchObject({
        errorCode: 'TEMPORARILY_UNAVAILABLE',
        httpStatus: null,
        retryable: true,
        attempts: 2,
      });
      expect(error.message).toContain('ECONNREFUSED');
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});
