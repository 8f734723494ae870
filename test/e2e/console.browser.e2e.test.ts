// The console in a real browser (Debian's Chromium, driven by playwright-core) over the real
// stack: after a pipeline run the console shows it, its stages and the champion; the approve
// button of a pending promotion promotes the challenger. Screenshots go to
// test-output/console/ for people to look at.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { promotionStatusQuery } from '../../workflows/messages.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { VIEW_ATTRIBUTE } from '../../workflows/searchAttributeKeys.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';
import { sleep } from '../support/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(projectRoot, 'test-output', 'console');
const TOKEN = 'browser-test-token-0123456789';
const VIEW = 'work_order_overrun';
const suffix = Date.now().toString(36);
const autoModel = `browser-auto-${suffix}`;
const reviewedModel = `browser-review-${suffix}`;
const autoPipeline = `pipeline-browser-auto-${suffix}`;
const reviewedPipeline = `pipeline-browser-review-${suffix}`;

let db: TestDatabase;
let temporal: TestTemporal;
let web: TestConsole;
let browser: Browser;
let page: Page;

const shot = (name: string) =>
  page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const promotionStage = (pipelineId: string) =>
  temporal.client.workflow
    .getHandle<typeof PromotionWorkflow>(`${pipelineId}/promotion`)
    .query(promotionStatusQuery)
    .then((status) => status.stage)
    .catch(() => undefined);

/** The console's bundle, built as `make web` builds it when a test run starts without it. */
const ensureBundle = async (): Promise<void> => {
  if (existsSync(path.join(projectRoot, 'dist/web/app.js'))) return;
  await build({
    entryPoints: [path.join(projectRoot, 'web/src/main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: path.join(projectRoot, 'dist/web/app.js'),
    logLevel: 'warning',
  });
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does) ` +
        'or set CHROMIUM_PATH',
    );
  }
  await mkdir(SHOTS, { recursive: true });
  await ensureBundle();
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const { streamId, event } of generateDemoEvents({ seed: 23, workOrders: 300 })) {
    await db.store.append(streamId, [event]);
  }
  web = await startTestConsole(db, temporal, { apiToken: TOKEN });
  const start = (workflowId: string, modelName: string, approval: 'none' | 'required') =>
    temporal.client.workflow.start<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [{ view: VIEW, modelName, approval }],
      typedSearchAttributes: [{ key: VIEW_ATTRIBUTE, value: VIEW }],
    });
  const auto = await start(autoPipeline, autoModel, 'none');
  await start(reviewedPipeline, reviewedModel, 'required');
  await auto.result();
  await until('the second promotion to await approval', async () =>
    (await promotionStage(reviewedPipeline)) === 'awaiting_approval' ? true : undefined,
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => {
    throw error;
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await temporal?.close();
  await db?.drop();
});

describe('the console in Chromium', () => {
  it('asks for the token, then shows the components and the champion', async () => {
    await page.goto(web.url);
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-submit').click();
    await expect
      .poll(() => page.getByTestId('component-postgres').getAttribute('data-ok'))
      .toBe('true');
    const champion = page.locator(`[data-testid="champion"][data-model="${autoModel}"]`);
    await champion.waitFor();
    expect(await champion.getAttribute('data-version')).toBe('1');
    await page.getByTestId('updated-at').waitFor();
    await shot('01-overview');
  });

  it('lists the pipeline run and shows its stages', async () => {
    await page.getByTestId('nav-workflows').click();
    const row = page.locator(`[data-testid="workflow-row"][data-workflow-id="${autoPipeline}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('COMPLETED');
    await shot('02-workflows');

    await row.getByRole('link').first().click();
    await expect
      .poll(() => page.getByTestId('workflow-status').textContent())
      .toMatch(/completed/i);
    expect(await page.getByTestId('workflow-stage').textContent()).toContain('done');
    const entries = page.getByTestId('timeline-entry');
    await entries.first().waitFor();
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    for (const stage of ['DatasetWorkflow', 'trainModel', 'evaluateModels', 'PromotionWorkflow']) {
      expect(timeline).toContain(stage);
    }
    expect(await page.getByTestId('review-panel').count()).toBe(0);
    await shot('03-pipeline-detail');
  });

  it('approves a pending challenger with the button, and it becomes the champion', async () => {
    await page.goto(`${web.url}/#/workflows/${encodeURIComponent(reviewedPipeline)}`);
    const panel = page.getByTestId('review-panel');
    await panel.waitFor();
    expect(await page.getByTestId('workflow-status').textContent()).toMatch(/running/i);
    await shot('04-awaiting-approval');
    await page.getByTestId('review-reviewer').fill('grace');
    await page.getByTestId('review-reason').fill('checked in the browser');
    await page.getByTestId('approve').click();
    await expect.poll(() => page.getByTestId('review-result').textContent()).toContain('grace');
    await expect
      .poll(() => page.getByTestId('workflow-status').textContent(), { timeout: 60_000 })
      .toMatch(/completed/i);
    const promoted = await temporal.client.workflow
      .getHandle(reviewedPipeline)
      .result()
      .then((result: { promotion: { outcome: string; reviewer: string } }) => result.promotion);
    expect(promoted).toMatchObject({ outcome: 'promoted', reviewer: 'grace' });
    await shot('05-approved');

    await page.goto(`${web.url}/#/models/${reviewedModel}`);
    await expect.poll(() => page.getByTestId('model-champion').textContent()).toContain('1');
    expect(await page.getByTestId('alias-row').count()).toBe(1);
    await shot('06-model');
    await page.getByTestId('nav-overview').click();
    const champion = page.locator(`[data-testid="champion"][data-model="${reviewedModel}"]`);
    await champion.waitFor();
    expect(await champion.getAttribute('data-version')).toBe('1');
  }, 180_000);

  it('shows the datasets, the schedules and the event store', async () => {
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-row').first().waitFor();
    expect(await page.getByTestId('dataset-row').count()).toBe(2);
    // Outcomes as counts and a bar: positives, negatives (never rows + labelled + … summed).
    const balance = (await page.getByTestId('dataset-row').first().textContent()) ?? '';
    expect(balance).toMatch(/1: [\d,]+ · 0: [\d,]+/);
    await shot('07-datasets');
    // A dataset's windows, as a bar with their counts.
    await page.getByTestId('dataset-row').first().locator('a.mono').first().click();
    await page.getByText(/train: [\d,]+ · validation: [\d,]+ · test: [\d,]+/).waitFor();
    await shot('07b-dataset');
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('nav-events').click();
    await page.getByTestId('event-row').first().waitFor();
    await page.getByTestId('category-row').first().waitFor();
    await shot('08-event-store');
    await page.getByTestId('nav-schedules').click();
    await page.getByTestId('updated-at').waitFor();
    await shot('09-schedules');
    expect(await page.getByTestId('error').isVisible()).toBe(false);
  });
});
