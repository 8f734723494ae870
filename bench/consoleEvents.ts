// Figure (k)'s log: the demo history (work orders, technicians, customers) through the demo
// loader, then what the platform itself appends beside it: PredictionMade events (a stream per
// prediction), DatasetGenerated events on the views' `hindsight.datasets-<view>` streams, the
// model's promotions and live evaluations; and a few subscription checkpoints behind the head.
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  DATASET_GENERATED,
  datasetStreamOf,
} from '../activities/datasets/recordDatasetGenerated.js';
import {
  MODEL_EVALUATED,
  evaluationStreamOf,
} from '../activities/evaluation/evaluateLiveWindows.js';
import { MODEL_PROMOTED, modelStreamOf } from '../activities/promotion/recordPromotion.js';
import type { DemoEvent } from '../demo/workOrders.js';
import { appendToStream } from '../eventstore/appendToStream.js';
import { saveCheckpoint } from '../eventstore/checkpoints.js';
import type { NewEvent } from '../eventstore/types.js';
import { PREDICTION_MADE, predictionStreamOf } from '../serving/predictor.js';
import { createDemoLoader } from './demoLoad.js';

/** Feature views with datasets in the log (only the first is built in; the others are names). */
export const DATASET_VIEWS = ['work_order_overrun', 'customer_churn', 'late_payment'];
const DATASETS_PER_VIEW = 60;
const PROMOTIONS = 12;
const EVALUATION_WINDOWS = 300;
/** Of the log, the share of PredictionMade events (one stream each). */
const PREDICTION_SHARE = 0.04;
const APPENDERS = 16;
const HOUR = 3_600_000;
const CHECKPOINT_LAGS = [0, 0, 12, 250, 4_000, 60_000];
const CHECKPOINTS = [
  'work-order-projection',
  'technician-load',
  'customer-tiers',
  'notifications',
  'search-index',
  'warehouse-export',
];

export interface ConsoleLog {
  /** Events in the log: demo and platform. */
  events: number;
  demoEvents: number;
  platformEvents: number;
  /** A stream with many events (a dataset stream), for the stream page. */
  longStream: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const calibration = (score: number): unknown[] =>
  Array.from({ length: 10 }, (_, i) => ({
    lower: i / 10,
    upper: (i + 1) / 10,
    count: 20 + ((i * 7) % 13),
    meanPredicted: i / 10 + 0.05,
    observedRate: Math.min(1, i / 10 + 0.05 + (score - 0.8) / 10),
  }));

/** The platform's own events, stream by stream (each stream's events in order). */
const platformEvents = (predictions: number, modelName: string, now: number): DemoEvent[] => {
  const events: DemoEvent[] = [];
  const start = now - 90 * 24 * HOUR;
  DATASET_VIEWS.forEach((view, v) => {
    for (let i = 0; i < DATASETS_PER_VIEW; i++) {
      const at = start + (i * 24 + v) * HOUR;
      const workflowId = `pipeline-${view}-retrain-${view}-${new Date(at).toISOString()}`;
      const rows = 8_000 + i * 150;
      events.push({
        streamId: datasetStreamOf(view),
        event: {
          type: DATASET_GENERATED,
          occurredAt: at,
          data: {
            digest: sha256(`${view}/${i}`),
            view: { name: view, codeHash: sha256(view).slice(0, 16) },
            cut: { transactionId: 1000 + i * 5000, globalPosition: i * 5000 },
            events: rows * 7,
            rows,
            labelBalance: { '0': Math.round(rows * 0.7), '1': Math.round(rows * 0.3) },
            split: { train: Math.round(rows * 0.8), validation: Math.round(rows * 0.2) },
            observedFrom: start,
            observedUntil: at,
            mlflow: {
              experimentId: String(v + 1),
              runId: sha256(`run/${view}/${i}`).slice(0, 32),
              parquet: 'dataset/dataset.parquet',
              manifest: 'dataset/manifest.json',
            },
          },
          metadata: { correlation_id: workflowId, actor: 'hindsight-worker' },
        },
      });
    }
  });
  for (let i = 0; i < PROMOTIONS; i++) {
    const workflowId = `pipeline-work_order_overrun-${i}/promotion`;
    events.push({
      streamId: modelStreamOf(modelName),
      event: {
        type: MODEL_PROMOTED,
        occurredAt: start + i * 7 * 24 * HOUR,
        data: {
          modelName,
          outcome: 'promoted',
          decidedBy: 'rules',
          challengerVersion: String(i + 1),
          championVersion: i === 0 ? null : String(i),
          reviewer: null,
          reason: 'roc_auc improved by 0.01',
          reasons: ['roc_auc improved by 0.01'],
          datasetDigest: sha256(`work_order_overrun/${i}`),
          challengerMetrics: { roc_auc: 0.8 + i / 200 },
          championMetrics: i === 0 ? null : { roc_auc: 0.8 + (i - 1) / 200 },
          workflowId,
        },
        metadata: { correlation_id: workflowId, actor: 'hindsight-worker' },
      },
    });
  }
  for (let i = 0; i < EVALUATION_WINDOWS; i++) {
    const score = 0.78 + ((i * 37) % 10) / 100;
    events.push({
      streamId: evaluationStreamOf(modelName),
      event: {
        type: MODEL_EVALUATED,
        occurredAt: start + (i + 1) * 6 * HOUR,
        data: {
          evaluation: `${modelName}-live`,
          modelName,
          window: { index: i, start: start + i * 6 * HOUR, end: start + (i + 1) * 6 * HOUR },
          modelVersion: String(PROMOTIONS),
          predictions: 400,
          labelled: 360,
          unlabelled: 30,
          expired: 10,
          labelCoverage: 0.9,
          positives: 110,
          positiveRate: 0.3,
          meanScore: 0.31,
          rocAuc: score,
          prAuc: score - 0.2,
          logLoss: 0.45,
          brier: 0.15,
          calibration: calibration(score),
          ece: 0.03,
        },
      },
    });
  }
  for (let i = 0; i < predictions; i++) {
    const predictionId = randomUUID();
    const features = { priority: i % 4, estimatedHours: 2 + (i % 17), technicianSkill: i % 5 };
    events.push({
      streamId: predictionStreamOf(predictionId),
      event: {
        type: PREDICTION_MADE,
        occurredAt: now - (predictions - i) * 1000,
        data: {
          predictionId,
          modelName,
          modelVersion: String(PROMOTIONS),
          entityId: `WO-${String(10001 + (i % 140_000)).padStart(6, '0')}`,
          view: { name: 'work_order_overrun', version: 1, codeHash: sha256('view').slice(0, 16) },
          score: (i % 100) / 100,
          features,
          featuresDigest: sha256(JSON.stringify(features)),
        },
        metadata: { actor: 'hindsight-serving' },
      },
    });
  }
  return events;
};

/** Appends the events, a stream's in order, the streams spread over 16 connections. */
const appendByStream = async (databaseUrl: string, events: DemoEvent[]): Promise<void> => {
  const streams = new Map<string, NewEvent[]>();
  for (const { streamId, event } of events) {
    const list = streams.get(streamId) ?? [];
    list.push(event);
    streams.set(streamId, list);
  }
  const work = [...streams];
  const clients = Array.from(
    { length: APPENDERS },
    () =>
      new pg.Client({
        connectionString: databaseUrl,
        application_name: 'bench-console-loader',
        options: '-c synchronous_commit=off',
      }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  try {
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        for (let item = work[next++]; item; item = work[next++]) {
          // One event per call, as the workflows and the serving append them.
          const [streamId, list] = item;
          for (const event of list) await appendToStream(client, streamId, [event]);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
};

/** Subscriptions at various lags behind the head. */
const saveCheckpoints = async (client: pg.Client): Promise<void> => {
  for (const [i, name] of CHECKPOINTS.entries()) {
    const { rows } = await client.query<{ tx_id: string; global_position: string }>(
      `select tx_id::text as tx_id, global_position from hindsight.events
        order by global_position desc offset $1 limit 1`,
      [CHECKPOINT_LAGS[i] ?? 0],
    );
    const row = rows[0];
    if (!row) continue;
    await saveCheckpoint(client, name, {
      transactionId: Number(row.tx_id),
      globalPosition: Number(row.global_position),
    });
  }
};

/** Fills an empty, migrated database with about `total` events. */
export const fillConsoleLog = async (
  databaseUrl: string,
  total: number,
  modelName: string,
): Promise<ConsoleLog> => {
  const predictions = Math.round(total * PREDICTION_SHARE);
  const platform = platformEvents(predictions, modelName, Date.now());
  const demoEvents = Math.max(0, total - platform.length);
  const loader = await createDemoLoader(databaseUrl, demoEvents);
  try {
    await loader.loadUntil(demoEvents);
  } finally {
    await loader.close();
  }
  await appendByStream(databaseUrl, platform);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
  await client.connect();
  try {
    await saveCheckpoints(client);
    // As autovacuum would have: sets hint bits and the visibility map, and the statistics.
    await client.query('vacuum (analyze) hindsight.events');
    await client.query('vacuum (analyze) hindsight.streams');
  } finally {
    await client.end();
  }
  return {
    events: demoEvents + platform.length,
    demoEvents,
    platformEvents: platform.length,
    longStream: evaluationStreamOf(modelName),
  };
};
