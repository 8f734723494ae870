// Models: the registry's models with their champion; a model's versions and metrics, its alias
// history (promotion events), and its live evaluation (ModelEvaluated events) with calibration.
import { reportMalformed } from '../../platform/skippedEvents.js';
import { NotFoundError, type StoredEvent } from '../../eventstore/index.js';
import { isMlflowError } from '../../mlflow/index.js';
import { readAliasHistory } from '../aliasHistory.js';
import { parsePlatformData } from '../../platform/platformEvents.js';
import {
  MODEL_EVALUATED,
  RETRAINING_TRIGGERED,
  evaluationStreamOf,
  modelEvaluatedData,
  retrainingTriggeredData,
} from '../../platform/evaluationEvents.js';
import { CHAMPION_ALIAS, MODEL_TAGS } from '../../platform/modelRegistry.js';
import type { CalibrationBin } from '../../ml/metrics/calibrationTable.js';
import { MODEL_NAME } from '../../ml/names.js';
import { liveEvaluationIdOf } from '../grpc/modelWorkflowCalls.js';
import type {
  CalibrationPoint,
  LiveWindowPoint,
  ModelDetail,
  ModelListItem,
  ModelVersionView,
  Page,
  WorkflowStatus,
} from './api.js';
import { mlflowModelUrl, type ConsoleDeps } from './deps.js';
import { badRequest, notFound } from './httpError.js';
import { openPage, pageParam, pageSizeParam, sealPage, type Query } from './params.js';

/** Versions shown on a model's page, newest first. */
const VERSIONS_SHOWN = 50;
/** Live windows read for the chart (the newest). */
const LIVE_EVENTS_READ = 1000;
/** Windows of the champion summed into the calibration plot. */
const CALIBRATION_WINDOWS = 24;

export const checkModelName = (name: string): string => {
  if (!MODEL_NAME.test(name)) throw badRequest('name', `'${name}' is not a model name`);
  return name;
};

export const listModels = async (deps: ConsoleDeps, query: Query): Promise<Page<ModelListItem>> => {
  const pageSize = pageSizeParam(query);
  const page = pageParam(query);
  const { items, nextPageToken } = await deps.mlflow.searchRegisteredModels({
    maxResults: pageSize,
    ...(page ? { pageToken: openPage('models', page)?.toString('utf8') } : {}),
  });
  const models = await Promise.all(
    items.map(async (model): Promise<ModelListItem> => {
      const { items: latest } = await deps.mlflow.searchModelVersions({
        filter: `name = '${model.name}'`,
        orderBy: ['version_number DESC'],
        maxResults: 1,
      });
      return {
        name: model.name,
        championVersion: model.aliases[CHAMPION_ALIAS] ?? null,
        latestVersion: latest[0]?.version ?? null,
        updatedAt: model.lastUpdatedTimestamp,
        url: mlflowModelUrl(deps.links, model.name),
      };
    }),
  );
  return {
    items: models,
    next: nextPageToken ? sealPage('models', Buffer.from(nextPageToken)) : null,
  };
};

const readOrNone = async (
  deps: ConsoleDeps,
  streamId: string,
  limit: number,
): Promise<StoredEvent[]> => {
  try {
    const { events } = await deps.store.readStream(streamId, { direction: 'backwards', limit });
    return events.reverse();
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
};

/** Bins summed over windows: counts add, means weigh by count. */
const sumCalibration = (tables: CalibrationBin[][]): CalibrationPoint[] => {
  const first = tables[0];
  if (!first) return [];
  return first.map((bin, index) => {
    let count = 0;
    let predicted = 0;
    let observed = 0;
    for (const table of tables) {
      const other = table[index];
      if (!other || other.count === 0) continue;
      count += other.count;
      predicted += (other.meanPredicted ?? 0) * other.count;
      observed += (other.observedRate ?? 0) * other.count;
    }
    return {
      lower: bin.lower,
      upper: bin.upper,
      count,
      meanPredicted: count ? predicted / count : null,
      observedRate: count ? observed / count : null,
    };
  });
};

const liveStatus = async (
  deps: ConsoleDeps,
  name: string,
): Promise<ModelDetail['liveEvaluation']> => {
  const workflowId = liveEvaluationIdOf(name);
  const description = await deps.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => null);
  return description ? { workflowId, status: description.status.name as WorkflowStatus } : null;
};

export const getModel = async (deps: ConsoleDeps, rawName: string): Promise<ModelDetail> => {
  const name = checkModelName(rawName);
  const model = await deps.mlflow.getRegisteredModel(name).catch((error: unknown) => {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST'))
      throw notFound('MODEL_NOT_FOUND', `model '${name}' not found`);
    throw error;
  });
  const championVersion = model.aliases[CHAMPION_ALIAS] ?? null;
  const [{ items }, aliasHistory, evaluationEvents, liveEvaluation] = await Promise.all([
    deps.mlflow.searchModelVersions({
      filter: `name = '${name}'`,
      orderBy: ['version_number DESC'],
      maxResults: VERSIONS_SHOWN,
    }),
    readAliasHistory(deps.store, name),
    readOrNone(deps, evaluationStreamOf(name), LIVE_EVENTS_READ),
    liveStatus(deps, name),
  ]);
  const versions = await Promise.all(
    items.map(async (version): Promise<ModelVersionView> => {
      const metrics = version.runId
        ? Object.fromEntries(
            (await deps.mlflow.getRun(version.runId)).metrics.map((m) => [m.key, m.value]),
          )
        : {};
      const tag = (key: string): string | null => version.tags[key] || null;
      return {
        version: version.version,
        createdAt: version.creationTimestamp,
        trainer: tag(MODEL_TAGS.trainer),
        datasetDigest: tag(MODEL_TAGS.datasetDigest),
        cut: tag(MODEL_TAGS.cut) === null ? null : Number(tag(MODEL_TAGS.cut)),
        view: tag(MODEL_TAGS.view),
        workflowId: tag(MODEL_TAGS.workflowId),
        runId: version.runId,
        aliases: Object.entries(model.aliases)
          .filter(([, v]) => v === version.version)
          .map(([alias]) => alias),
        metrics,
        url: mlflowModelUrl(deps.links, name, version.version),
      };
    }),
  );
  const live: LiveWindowPoint[] = [];
  const tablesByVersion = new Map<string, CalibrationBin[][]>();
  const retrainings: ModelDetail['retrainings'] = [];
  const skippedEvents = [...aliasHistory.malformed];
  for (const event of evaluationEvents) {
    if (event.type === RETRAINING_TRIGGERED) {
      const reason = parsePlatformData(event, retrainingTriggeredData);
      if (reason.ok) retrainings.push({ at: event.occurredAt, reason: reason.data });
      else skippedEvents.push(reason.malformed);
      continue;
    }
    if (event.type !== MODEL_EVALUATED) continue;
    const parsed = parsePlatformData(event, modelEvaluatedData);
    if (!parsed.ok) {
      skippedEvents.push(parsed.malformed);
      continue;
    }
    const { data } = parsed;
    live.push({
      version: data.modelVersion,
      windowIndex: data.window.index,
      start: data.window.start,
      end: data.window.end,
      predictions: data.predictions,
      labelled: data.labelled,
      labelCoverage: data.labelCoverage,
      rocAuc: data.rocAuc,
      logLoss: data.logLoss,
      brier: data.brier,
      ece: data.ece,
      positiveRate: data.positiveRate,
      meanScore: data.meanScore,
    });
    if (data.calibration) {
      const tables = tablesByVersion.get(data.modelVersion) ?? [];
      tables.push(data.calibration);
      tablesByVersion.set(data.modelVersion, tables);
    }
  }
  reportMalformed('console_model', `model page ${name}`, skippedEvents, deps.onWarning);
  // The champion's, or (a new champion without windows yet) the latest evaluated version's.
  const calibrated =
    championVersion && tablesByVersion.has(championVersion)
      ? championVersion
      : ([...tablesByVersion.keys()].at(-1) ?? null);
  const recentTables = (calibrated ? (tablesByVersion.get(calibrated) ?? []) : []).slice(
    -CALIBRATION_WINDOWS,
  );
  return {
    name,
    championVersion,
    versions,
    aliasHistory: aliasHistory.changes,
    skippedEvents,
    live,
    liveEvaluation,
    retrainings,
    calibration:
      calibrated && recentTables.length > 0
        ? {
            version: calibrated,
            windows: recentTables.length,
            bins: sumCalibration(recentTables),
          }
        : null,
    url: mlflowModelUrl(deps.links, name),
  };
};
