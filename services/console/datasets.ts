// Datasets: the DatasetGenerated events of the log (newest first, by view), a dataset's manifest
// from its MLflow run, and its lineage: the model versions trained on it.
import {
  DATASET_GENERATED,
  datasetStreamOf,
} from '../../activities/datasets/recordDatasetGenerated.js';
import { MODEL_TAGS } from '../../activities/training/modelLineage.js';
import { categoryOf } from '../../eventstore/validation.js';
import { VIEW_NAME } from '../../ml/names.js';
import type { DatasetDetail, DatasetView, Page } from './api.js';
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

interface DatasetRow {
  global_position: string;
  tx_text: string;
  data: {
    digest: string;
    view: { name: string; codeHash: string };
    cut: unknown;
    events: number;
    rows: number;
    labelBalance: Record<string, number>;
    split: unknown;
    observedFrom: number | string | null;
    observedUntil: number | string | null;
    mlflow: { experimentId: string; runId: string };
  };
  metadata: { correlation_id?: string };
  occurred_at: Date;
}

const datasetViewOf = (deps: ConsoleDeps, row: DatasetRow): DatasetView => ({
  digest: row.data.digest,
  view: { name: row.data.view.name, codeHash: row.data.view.codeHash },
  cut: row.data.cut,
  events: row.data.events,
  rows: row.data.rows,
  labelBalance: row.data.labelBalance,
  split: row.data.split,
  observedFrom: row.data.observedFrom ?? null,
  observedUntil: row.data.observedUntil ?? null,
  generatedAt: row.occurred_at.getTime(),
  mlflow: {
    experimentId: row.data.mlflow.experimentId,
    runId: row.data.mlflow.runId,
    runUrl: mlflowRunUrl(deps.links, row.data.mlflow.experimentId, row.data.mlflow.runId),
  },
  position: Number(row.global_position),
  workflowId: row.metadata.correlation_id ?? null,
});

const isPosition = (value: unknown): [string, number] => {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !/^\d{1,20}$/.test(value[0])) {
    throw new Error('not a position');
  }
  if (!Number.isSafeInteger(value[1])) throw new Error('not a position');
  return [value[0], value[1] as number];
};

// tx_id as text for page tokens (64-bit); every ORDER BY uses the real column (e.).
const COLUMNS = 'e.global_position, e.tx_id::text as tx_text, e.data, e.metadata, e.occurred_at';

export const listDatasets = async (deps: ConsoleDeps, query: Query): Promise<Page<DatasetView>> => {
  const view = textParam(query, 'view', { pattern: VIEW_NAME });
  const pageSize = pageSizeParam(query);
  const before = decodePage(pageParam(query), isPosition);
  const { rows } = await deps.sql.query<DatasetRow>(
    /* sql */ `
    select ${COLUMNS}
      from hindsight.events e
     where e.category = $1 and e.event_type = $2
       and ($3::text is null or e.stream_id = $3)
       and ($4::xid8 is null or (e.tx_id, e.global_position) < ($4::xid8, $5::bigint))
     order by e.tx_id desc, e.global_position desc
     limit $6`,
    [
      DATASETS_CATEGORY,
      DATASET_GENERATED,
      view ? datasetStreamOf(view) : null,
      before?.[0] ?? null,
      before?.[1] ?? 0,
      pageSize + 1,
    ],
  );
  const last = rows[pageSize - 1];
  return {
    items: rows.slice(0, pageSize).map((row) => datasetViewOf(deps, row)),
    next:
      rows.length > pageSize && last
        ? encodePage([last.tx_text, Number(last.global_position)])
        : null,
  };
};

export const getDataset = async (deps: ConsoleDeps, digest: string): Promise<DatasetDetail> => {
  if (!DIGEST.test(digest))
    throw badRequest('digest', `'${digest}' is not a sha256 digest (64 hex)`);
  const { rows } = await deps.sql.query<DatasetRow>(
    /* sql */ `
    select ${COLUMNS} from hindsight.events e
     where e.category = $1 and e.event_type = $2 and e.data->>'digest' = $3
     order by e.tx_id desc, e.global_position desc limit 1`,
    [DATASETS_CATEGORY, DATASET_GENERATED, digest],
  );
  const row = rows[0];
  if (!row) throw notFound(`no dataset with digest ${digest}`);
  const dataset = datasetViewOf(deps, row);
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
