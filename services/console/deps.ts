// What the console's routes read from and act on; the server process builds the real ones.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import type { EventStore } from '../../eventstore/index.js';
import type { MlflowClient } from '../../mlflow/index.js';
import type { Links } from './api.js';

export interface ConsoleDeps {
  /** SQL reads of the event store's tables; the server gives the console a small pool of its own. */
  sql: pg.Pool;
  store: Pick<EventStore, 'readStream' | 'browse'>;
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
