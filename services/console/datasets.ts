// Datasets: the DatasetGenerated events of the log (newest first, by view), a dataset's manifest
// from its MLflow run, and its lineage: the model versions trained on it.
import { reportMalformed } from '../../platform/skippedEvents.js';
import {
  DATASET_GENERATED,
  datasetGeneratedData,
  datasetStreamOf,
} from '../../platform/datasetEvents.js';
import { MODEL_TAGS } from '../../platform/modelRegistry.js';
import { categoryOf, type StoredEvent } from '../../eventstore/index.js';
import { VIEW_NAME } from '../../ml/names.js';
import { checkPlatformData } from '../../platform/platformEvents.js';
import type { DatasetDetail, DatasetView, Page, SkippedEventView } from './api.js';
import { mlflowModelUrl, mlflowRunUrl, type ConsoleDeps } from './deps.js';
import { badRequest, notFound } from './httpError.js';
import {
  decodePage,
  encodePage,
  pageParam,
  pageSizeParam,
  textParam,
  type Query,
} from './params.js';

const DATASETS_CATEGORY = categoryOf(datasetStreamOf('view'));
const DIGEST = /^[0-9a-f]{64}$/;

/** The event's dataset, or (a malformed DatasetGenerated event) what is wrong with it. */
const datasetViewOf = (
  deps: ConsoleDeps,
  event: StoredEvent,
): { ok: true; view: DatasetView } | { ok: false; skipped: SkippedEventView } => {
  // Payloads come as stored (JSON text), checked against the DatasetGenerated schema here.
  const checked = checkPlatformData(
    DATASET_GENERATED,
    JSON.parse(event.data) as unknown,
    datasetGeneratedData,
  );
  if (!checked.ok) {
    return {
      ok: false,
      skipped: {
        eventId: event.eventId,
        streamId: event.streamId,
        type: DATASET_GENERATED,
        globalPosition: Number(event.globalPosition),
        problem: checked.problem,
      },
    };
  }
  const { data } = checked;
  const metadata = JSON.parse(event.metadata) as { correlation_id?: unknown } | null;
  const workflowId = metadata?.correlation_id;
  return {
    ok: true,
    view: {
      digest: data.digest,
      view: { name: data.view.name, codeHash: data.view.codeHash },
      cut: data.cut,
      events: data.events,
      rows: data.rows,
      labelBalance: data.labelBalance,
      split: data.split,
      observedFrom: data.observedFrom ?? null,
      observedUntil: data.observedUntil ?? null,
      generatedAt: Number(event.occurredAt),
      mlflow: {
        experimentId: data.mlflow.experimentId,
        runId: data.mlflow.runId,
        runUrl: mlflowRunUrl(deps.links, data.mlflow.experimentId, data.mlflow.runId),
      },
      position: Number(event.globalPosition),
      workflowId: typeof workflowId === 'string' ? workflowId : null,
    },
  };
};

const isPosition = (value: unknown): [string, number] => {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !/^\d{1,20}$/.test(value[0])) {
    throw new Error('not a position');
  }
  if (!Number.isSafeInteger(value[1])) throw new Error('not a position');
  return [value[0], value[1] as number];
};

export const listDatasets = async (deps: ConsoleDeps, query: Query): Promise<Page<DatasetView>> => {
  const view = textParam(query, 'view', { pattern: VIEW_NAME });
  const pageSize = pageSizeParam(query);
  const before = decodePage(pageParam(query), isPosition);
  const rows = await deps.store.browse.recentEvents({
    category: DATASETS_CATEGORY,
    type: DATASET_GENERATED,
    ...(view ? { streamId: datasetStreamOf(view) } : {}),
    ...(before ? { before: { transactionId: Number(before[0]), globalPosition: before[1] } } : {}),
    limit: pageSize + 1,
  });
  const last = rows[pageSize - 1];
  // A malformed DatasetGenerated event is left out of the page, with a warning in the log.
  const items: DatasetView[] = [];
  const skipped: SkippedEventView[] = [];
  for (const row of rows.slice(0, pageSize)) {
    const shown = datasetViewOf(deps, row);
    if (shown.ok) items.push(shown.view);
    else skipped.push(shown.skipped);
  }
  reportMalformed('console_datasets', 'datasets page', skipped, deps.onWarning);
  return {
    items,
    next:
      rows.length > pageSize && last
        ? encodePage([String(last.transactionId), Number(last.globalPosition)])
        : null,
  };
};

export const getDataset = async (deps: ConsoleDeps, digest: string): Promise<DatasetDetail> => {
  if (!DIGEST.test(digest))
    throw badRequest('digest', `'${digest}' is not a sha256 digest (64 hex)`);
  const row = await deps.store.browse.latestEventWhere({
    category: DATASETS_CATEGORY,
    type: DATASET_GENERATED,
    field: 'digest',
    equals: digest,
  });
  if (!row) throw notFound('DATASET_NOT_FOUND', `no dataset with digest ${digest}`);
  const shown = datasetViewOf(deps, row);
  if (!shown.ok) {
    reportMalformed('console_datasets', `dataset ${digest}`, [shown.skipped], deps.onWarning);
    throw notFound(
      'DATASET_MALFORMED',
      `the DatasetGenerated event of dataset ${digest} is malformed: ${shown.skipped.problem}`,
    );
  }
  const dataset = shown.view;
  const [manifest, versions] = await Promise.all([
    deps.mlflow
      .downloadArtifact({ runId: dataset.mlflow.runId, path: 'dataset/manifest.json' })
      .then((bytes) => JSON.parse(bytes.toString('utf8')) as unknown)
      .catch(() => null),
    deps.mlflow.searchModelVersions({
      filter: `tags.\`${MODEL_TAGS.datasetDigest}\` = '${digest}'`,
      maxResults: 100,
    }),
  ]);
  // Search results carry no aliases: each model's alias map says which version holds which.
  const names = [...new Set(versions.items.map((version) => version.name))];
  const aliasMaps = new Map(
    await Promise.all(
      names.map(
        async (name) => [name, (await deps.mlflow.getRegisteredModel(name)).aliases] as const,
      ),
    ),
  );
  return {
    ...dataset,
    manifest,
    models: versions.items.map((version) => ({
      model: version.name,
      version: version.version,
      trainer: version.tags[MODEL_TAGS.trainer] ?? '',
      aliases: Object.entries(aliasMaps.get(version.name) ?? {})
        .filter(([, v]) => v === version.version)
        .map(([alias]) => alias),
      url: mlflowModelUrl(deps.links, version.name, version.version),
    })),
  };
};
