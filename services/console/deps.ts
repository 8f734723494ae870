// What the console's routes read from and act on; the server process builds the real ones.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import type { EventStore } from '../../eventstore/index.js';
import type { MlflowClient } from '../../mlflow/index.js';
import {
  liveEvaluationPositions,
  type LiveEvaluationPosition,
} from '../../ml/monitoring/liveEvaluationTables.js';
import type { Links } from './api.js';

/** What the console reads of the live evaluation projection (its own tables, not the store's). */
export interface LiveEvaluationReader {
  /** Where each evaluation has read the log to, in name order; none before its tables exist. */
  positions(limit: number): Promise<LiveEvaluationPosition[]>;
}

/** The projection's tables read on the console's own pool. */
export const liveEvaluationsOn = (sql: pg.Pool): LiveEvaluationReader => ({
  positions: (limit) => liveEvaluationPositions(sql, limit),
});

export interface ConsoleDeps {
  /** The console's own small pool: health, the quarantine, the live evaluation projection. */
  sql: pg.Pool;
  store: Pick<EventStore, 'readStream' | 'browse'>;
  /** The live evaluation projection; by default read with `sql`. */
  liveEvaluations?: LiveEvaluationReader;
  temporal: Client;
  namespace: string;
  taskQueue: string;
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
  links: Links;
  onInternalError: (error: unknown) => void;
  /** A log line about something skipped (e.g. a malformed platform event); default: none. */
  onWarning?: (message: string) => void;
}

/** The Temporal UI page of a run. */
export const temporalRunUrl = (links: Links, workflowId: string, runId: string): string | null =>
  links.temporalUi
    ? `${links.temporalUi}/namespaces/${encodeURIComponent(links.temporalNamespace)}/workflows/` +
      `${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
    : null;

export const mlflowRunUrl = (links: Links, experimentId: string, runId: string): string =>
  `${links.mlflowUi}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;

export const mlflowModelUrl = (links: Links, model: string, version?: string): string =>
  `${links.mlflowUi}/#/models/${encodeURIComponent(model)}` +
  (version ? `/versions/${encodeURIComponent(version)}` : '');
