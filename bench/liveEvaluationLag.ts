// (j), second part: LiveEvaluationWorkflow on the worker (policy null, 5 s windows, the log read
// again every 500 ms once caught up). First its catch-up from the dataset's view state over the
// rest of the log and the predictions made so far (events/s, against a plain pg read of the same
// events); then, while the 16 clients predict, how far behind the log its projection is, sampled
// every 200 ms, against a plain pg poller with the same interval sampled the same way.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PREDICTION_MADE } from '../ml/monitoring/predictionJoin.js';
import type { LiveEvaluationInput } from '../workflows/liveEvaluationInput.js';
import type { LiveEvaluationWorkflow } from '../workflows/liveEvaluationWorkflow.js';
import { stopLiveEvaluationSignal } from '../workflows/messages.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { describeLag, lagStats, startLagSampler, startPlainPoller } from './liveLag.js';
import { measure, printMeasured } from './measure.js';
import { seconds, taskSpans, type TaskSpan } from './pipelineHistory.js';
import { callFor, describeCalls } from './predictClients.js';
import { MODEL_NAME, VIEW, type PredictWorld } from './predictWorld.js';
import { figure, type Figure } from './report.js';

const EVALUATION = 'bench-live';
const POLL_MS = 500;
const WINDOW_MS = 5_000;
const SAMPLE_EVERY_MS = 200;
const LOAD_MS = 10_000;
const CATCH_UP_TIMEOUT_MS = 120_000;

interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

interface EvaluationRow extends Checkpoint {
  events: number;
  caught: boolean;
}

const evaluationRow = async (client: pg.Client): Promise<EvaluationRow | null> => {
  const { rows } = await client.query<{ tx: string; pos: string; events: string; caught: boolean }>(
    `select last_tx::text as tx, last_position::text as pos, events::text,
            caught_up_at is not null as caught
       from hindsight.live_evaluations where name = $1`,
    [EVALUATION],
  );
  const row = rows[0];
  return row
    ? {
        transactionId: row.tx,
        globalPosition: row.pos,
        events: Number(row.events),
        caught: row.caught,
      }
    : null;
};

const untilCaughtUp = async (client: pg.Client): Promise<EvaluationRow> => {
  const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const row = await evaluationRow(client);
    if (row?.caught) return row;
    if (performance.now() > deadline) {
      throw new Error(`the live evaluation did not catch up in ${CATCH_UP_TIMEOUT_MS / 1000}s`);
    }
    await sleep(50);
  }
};

/** Where the evaluation starts: the view state kept with the champion's dataset. */
const datasetPosition = async (client: pg.Client): Promise<Checkpoint> => {
  const { rows } = await client.query<{ tx: string; pos: string }>(
    'select last_tx::text as tx, last_position::text as pos from hindsight.view_snapshots where view_name = $1',
    [VIEW.name],
  );
  const [row] = rows;
  if (!row || rows.length > 1) throw new Error(`${rows.length} view states of ${VIEW.name}`);
  return { transactionId: row.tx, globalPosition: row.pos };
};

/** The baseline of the catch-up: the same events in one plain query (pg parses the jsonb). */
const readBetween = async (
  client: pg.Client,
  from: Checkpoint,
  to: Checkpoint,
  types: readonly string[],
): Promise<{ events: number; seconds: number }> => {
  const start = performance.now();
  const { rows } = await client.query(
    `select * from hindsight.events
      where (tx_id, global_position) > ($1::text::xid8, $2)
        and (tx_id, global_position) <= ($3::text::xid8, $4)
        and event_type = any($5::text[])
      order by tx_id, global_position`,
    [from.transactionId, from.globalPosition, to.transactionId, to.globalPosition, types],
  );
  return { events: rows.length, seconds: (performance.now() - start) / 1000 };
};

const describeSpans = (name: string, spans: readonly TaskSpan[]): string => {
  if (spans.length === 0) return `${name}: none`;
  const ran = spans.map((s) => 1000 * seconds(s.ran));
  const waited = spans.map((s) => 1000 * (seconds(s.waited) - seconds(s.ran)));
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return (
    `${spans.length} ${name}: ran mean ${mean(ran).toFixed(0)} ms, max ` +
    `${Math.max(...ran).toFixed(0)} ms; queued mean ${mean(waited).toFixed(0)} ms`
  );
};

const connect = async (url: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-baseline' });
  await client.connect();
  return client;
};

export const measureLiveEvaluation = async (world: PredictWorld): Promise<Figure[]> => {
  const { stack, clients, entities } = world;
  const types = [...(VIEW.eventTypes ?? []), PREDICTION_MADE];
  const from = await datasetPosition(world.pg);
  const input: LiveEvaluationInput = {
    modelName: MODEL_NAME,
    view: VIEW.name,
    name: EVALUATION,
    windowMs: WINDOW_MS,
    labelHorizonMs: WINDOW_MS,
    graceMs: 1_000,
    pollMs: POLL_MS,
    policy: null,
  };
  console.log(
    `  LiveEvaluationWorkflow (policy null, ${WINDOW_MS / 1000}s windows, polling every ` +
      `${POLL_MS} ms once caught up), from the dataset's view state (transaction ${from.transactionId}):`,
  );
  const started = performance.now();
  const handle = await stack.client.workflow.start<typeof LiveEvaluationWorkflow>(
    WORKFLOW_TYPES.LiveEvaluationWorkflow,
    {
      taskQueue: stack.taskQueue,
      workflowId: `bench-live-${process.pid}`,
      args: [input],
    },
  );
  let loadSpan = { fromMs: 0, toMs: 0 };
  let figures: Figure[];
  try {
    const caught = await untilCaughtUp(world.pg);
    const catchUp = (performance.now() - started) / 1000;
    console.log(
      `    caught up: ${caught.events} events projected in ${catchUp.toFixed(2)}s from the start ` +
        `of the workflow = ${Math.round(caught.events / catchUp)} events/s`,
    );
    const read = await readBetween(world.pg, from, caught, types);
    if (read.events !== caught.events) {
      throw new Error(`it projected ${caught.events} events, the pg read found ${read.events}`);
    }
    console.log(
      `    pg read of the same events: ${read.seconds.toFixed(3)}s = ` +
        `${Math.round(read.events / read.seconds)} events/s`,
    );

    const pollerClient = await connect(world.databaseUrl);
    const samplerClient = await connect(world.databaseUrl);
    try {
      const poller = startPlainPoller(pollerClient, types, caught, POLL_MS);
      await sleep(POLL_MS * 2);
      const sampler = startLagSampler(samplerClient, EVALUATION, types, poller, SAMPLE_EVERY_MS);
      const predict = (c: number, i: number): Promise<unknown> =>
        clients[c]?.predict(MODEL_NAME, entities[(c * 7 + i) % entities.length] ?? '') ??
        Promise.reject(new Error(`no client ${c}`));
      loadSpan = { fromMs: Date.now(), toMs: 0 };
      const load = await measure(world.cpu, () => callFor(clients.length, LOAD_MS, predict));
      loadSpan.toMs = Date.now();
      await sampler.stop();
      await poller.stop();
      printMeasured(
        `Predict, ${clients.length} clients, live evaluation running`,
        describeCalls(load.result),
        load,
      );
      const workflow = lagStats(sampler.workflow);
      const baseline = lagStats(sampler.baseline);
      console.log(`    LiveEvaluationWorkflow: ${describeLag(workflow)}`);
      console.log(
        `    plain pg poller:        ${describeLag(baseline)}; ${poller.reads} reads, ` +
          `${poller.events} events`,
      );
      const first = sampler.projected[0];
      const last = sampler.projected.at(-1);
      if (first && last && last.atMs > first.atMs) {
        const rate = (last.events - first.events) / ((last.atMs - first.atMs) / 1000);
        console.log(
          `    projected while they predicted: ${last.events - first.events} events = ` +
            `${Math.round(rate)} events/s (all of them predictions)`,
        );
      }
      const label = `${clients.length} clients predicting (baseline: plain pg poller, same ${POLL_MS} ms interval)`;
      figures = [
        figure(`(j) live evaluation lag p50, ${label}`, 'ms', workflow.p50, baseline.p50),
        figure(`(j) live evaluation lag max, ${label}`, 'ms', workflow.max, baseline.max),
        figure(
          `(j) live evaluation catch-up, ${caught.events} events (baseline: pg read of the same events)`,
          'events/s',
          caught.events / catchUp,
          read.events / read.seconds,
        ),
      ];
    } finally {
      await Promise.all([pollerClient.end(), samplerClient.end()]);
    }
  } finally {
    await handle.signal(stopLiveEvaluationSignal);
  }
  const status = await handle.result();
  const spans = taskSpans(await handle.fetchHistory());
  const during = spans.filter(
    (s) => s.ran.fromMs >= loadSpan.fromMs && s.ran.toMs <= loadSpan.toMs,
  );
  console.log(
    `    stopped: ${status.totals.events} events, ${status.totals.predictions} predictions, ` +
      `${status.totals.windows} windows evaluated; while the clients predicted: ` +
      `${describeSpans(
        'advanceLiveEvaluation',
        during.filter((s) => s.name === 'advanceLiveEvaluation'),
      )}; ` +
      `${describeSpans(
        'evaluateLiveWindows',
        during.filter((s) => s.name === 'evaluateLiveWindows'),
      )}`,
  );
  const firstAdvance = spans.find((s) => s.name === 'advanceLiveEvaluation');
  if (firstAdvance)
    console.log(`    catch-up: first ${describeSpans('advanceLiveEvaluation', [firstAdvance])}`);
  return figures;
};
