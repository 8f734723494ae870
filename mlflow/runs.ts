// Runs: create, read, update, tag, delete, and a metric's full history.
import type { MlflowHttp } from './http.js';
import { checkKey, checkLength, LIMITS } from './limits.js';
import type { Metric, Run, RunInfo, RunStatus, Tags } from './types.js';
import {
  toMetric,
  toRun,
  toRunInfo,
  toWireTags,
  type WireMetric,
  type WireRun,
  type WireRunInfo,
} from './wire.js';

export interface CreateRunInput {
  experimentId: string;
  /** MLflow makes up a name when omitted. */
  runName?: string;
  tags?: Tags;
  /** ms since the epoch; defaults to now. */
  startTime?: number;
  userId?: string;
}

export interface UpdateRunInput {
  runId: string;
  status?: RunStatus;
  /** Defaults to now when `status` ends the run (FINISHED, FAILED, KILLED). */
  endTime?: number;
  runName?: string;
}

const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/**
 * Creates a run. A retried request can create a second run if the first answer was lost;
 * where that matters, use `createRunIdempotent`.
 */
export const createRun = async (
  http: MlflowHttp,
  { experimentId, runName, tags, startTime = Date.now(), userId }: CreateRunInput,
): Promise<Run> => {
  const { run } = await http.call<{ run: WireRun }>('POST', 'runs/create', {
    experiment_id: experimentId,
    run_name: runName,
    tags: toWireTags(tags),
    start_time: startTime,
    user_id: userId,
  });
  return toRun(run);
};

/** Raises RESOURCE_DOES_NOT_EXIST for an unknown id; deleted runs are still returned. */
export const getRun = async (http: MlflowHttp, runId: string): Promise<Run> => {
  const { run } = await http.call<{ run: WireRun }>('GET', 'runs/get', { run_id: runId });
  return toRun(run);
};

export const updateRun = async (
  http: MlflowHttp,
  { runId, status, endTime, runName }: UpdateRunInput,
): Promise<RunInfo> => {
  const ends = status !== undefined && TERMINAL.includes(status);
  const { run_info } = await http.call<{ run_info: WireRunInfo }>('POST', 'runs/update', {
    run_id: runId,
    status,
    end_time: endTime ?? (ends ? Date.now() : undefined),
    run_name: runName,
  });
  return toRunInfo(run_info);
};

/** Sets (or overwrites) one tag; tags, unlike params, are mutable. */
export const setTag = async (
  http: MlflowHttp,
  { runId, key, value }: { runId: string; key: string; value: string },
): Promise<void> => {
  checkKey('tag', key);
  checkLength(`tag '${key}' value`, value, LIMITS.tagValueLength);
  await http.call('POST', 'runs/set-tag', { run_id: runId, key, value });
};

/** Marks the run deleted (MLflow keeps it until garbage collection; it can be restored). */
export const deleteRun = async (http: MlflowHttp, runId: string): Promise<void> => {
  await http.call('POST', 'runs/delete', { run_id: runId });
};

/** Every recorded point of one metric, all pages read. */
export const getMetricHistory = async (
  http: MlflowHttp,
  { runId, key }: { runId: string; key: string },
): Promise<Metric[]> => {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const page = await http.call<{ metrics?: WireMetric[]; next_page_token?: string }>(
      'GET',
      'metrics/get-history',
      { run_id: runId, metric_key: key, max_results: 5000, page_token: pageToken },
    );
    points.push(...(page.metrics ?? []).map(toMetric));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return points;
};
