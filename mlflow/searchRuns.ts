// Searching runs with MLflow's filter language, one page at a time or all pages.
import type { MlflowHttp } from './http.js';
import type { Page, Run, ViewType } from './types.js';
import { toRun, type WireRun } from './wire.js';

export interface SearchRunsInput {
  experimentIds: readonly string[];
  /** E.g. `tags.\`hindsight.dataset_digest\` = 'abc' and metrics.auc > 0.8`. */
  filter?: string;
  /** ACTIVE_ONLY unless given: deleted runs are left out. */
  runViewType?: ViewType;
  /** Page size; MLflow's default is 1000, its maximum 50000. */
  maxResults?: number;
  /** E.g. `['attributes.start_time DESC']`. */
  orderBy?: readonly string[];
  pageToken?: string;
}

export const searchRuns = async (http: MlflowHttp, input: SearchRunsInput): Promise<Page<Run>> => {
  const { runs, next_page_token } = await http.call<{ runs?: WireRun[]; next_page_token?: string }>(
    'POST',
    'runs/search',
    {
      experiment_ids: input.experimentIds,
      filter: input.filter,
      run_view_type: input.runViewType,
      max_results: input.maxResults,
      order_by: input.orderBy,
      page_token: input.pageToken,
    },
  );
  return { items: (runs ?? []).map(toRun), nextPageToken: next_page_token || null };
};

/** Every matching run, following page tokens. */
export const searchAllRuns = async (
  http: MlflowHttp,
  input: Omit<SearchRunsInput, 'pageToken'>,
): Promise<Run[]> => {
  const all: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await searchRuns(http, { ...input, pageToken });
    all.push(...page.items);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return all;
};
