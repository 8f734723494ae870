// The console's JSON API: the shapes every route answers with. The server (services/console/)
// and the browser code (web/src/) both compile against this file, so they cannot drift apart.
// Times are epoch milliseconds; absent values are null, never undefined.

/** Every error: a 4xx or 5xx with `{ error: { code, reason, message, field? } }`. */
export interface ApiError {
  error: {
    /** INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL… */
    code: string;
    /**
     * Stable and UPPER_SNAKE_CASE, the reason gRPC's ErrorInfo gives for the same error (e.g.
     * MODEL_NOT_FOUND, TOKEN_INVALID); the code itself when nothing more precise applies.
     */
    reason: string;
    message: string;
    /** The query parameter, path segment or body field at fault. */
    field?: string;
  };
}

/** A page of a list: pass `next` back as `?page=` for the following page; null at the end. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Links {
  /** The Temporal UI's base address, or null when not known. */
  temporalUi: string | null;
  /** The MLflow UI's base address. */
  mlflowUi: string;
  temporalNamespace: string;
}

// ---------- GET /api/meta ----------

export interface Meta {
  /** Whether the API token is required: reads and mutations then need `Authorization: Bearer`. */
  tokenRequired: boolean;
  links: Links;
  version: string;
}

// ---------- GET /api/overview ----------

export interface ComponentHealth {
  name: 'postgres' | 'temporal' | 'mlflow' | 'worker';
  ok: boolean;
  /** What was checked, or why it failed. */
  detail: string;
  latencyMs: number | null;
  /** The gRPC services that need it: NOT_SERVING while it is down (empty while it is up). */
  affects: string[];
}

export interface RatePoint {
  /** Start of the minute. */
  at: number;
  events: number;
}

export interface Champion {
  model: string;
  version: string | null;
  /** When the champion alias last moved (from the model's promotion events). */
  since: number | null;
  /** The champion's validation ROC AUC, when logged. */
  rocAuc: number | null;
}

export interface Overview {
  components: ComponentHealth[];
  /** Null while the database cannot be read. */
  events: {
    /** Global position of the newest event: the log's length, give or take rolled-back ids. */
    head: number;
    lastRecordedAt: number | null;
    /** Events recorded per minute over the last hour, oldest first (60 points). */
    perMinute: RatePoint[];
    /** Events per second over the last minute. */
    ratePerSecond: number;
  } | null;
  /** The newest workflow runs of the namespace (at most 8). */
  workflows: WorkflowSummary[];
  champions: Champion[];
  links: Links;
}

// ---------- GET /api/workflows ?type=&status=&stage=&view=&pageSize=&page= ----------

/** The `type` filter's values: the workflows the worker runs. */
export { WORKFLOW_TYPE_NAMES } from '../../workflows/workflowTypes.js';

export const WORKFLOW_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
] as const;

export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number] | 'UNKNOWN';

export interface WorkflowSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: WorkflowStatus;
  /** HindsightStage search attribute (pipelines and promotions), else null. */
  stage: string | null;
  /** HindsightView search attribute, else null. */
  view: string | null;
  startedAt: number;
  closedAt: number | null;
  /** The Temporal UI page of this run, or null. */
  temporalUrl: string | null;
}

// ---------- GET /api/workflows/:id ?runId= ----------

export interface TimelineEntry {
  /** Activity type, child workflow type, `timer`, a signal or update name. */
  name: string;
  kind: 'activity' | 'child' | 'timer' | 'signal' | 'update';
  /** Child workflow id, or the activity id. */
  id: string | null;
  startedAt: number;
  closedAt: number | null;
  status: 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';
  attempt: number | null;
  failure: string | null;
}

export interface PendingPromotion {
  /** The promotion workflow whose approve/reject updates decide it. */
  promotionWorkflowId: string;
  /** Anything the promotion reports while it waits (challenger, champion, metrics, deadline). */
  details: unknown;
}

export interface WorkflowDetail extends WorkflowSummary {
  input: unknown;
  /** The result, when completed. */
  result: unknown;
  failure: string | null;
  /** The workflow's progress or status query, when it answers one. */
  progress: unknown;
  /** 0–100 when the progress reports it. */
  percent: number | null;
  timeline: TimelineEntry[];
  /** True when the history was longer than the console reads (the timeline is its start). */
  timelineTruncated: boolean;
  /** Set while a pipeline (or promotion) awaits a reviewer. */
  pendingPromotion: PendingPromotion | null;
  /** Child workflows started by this one. */
  children: { workflowId: string; type: string }[];
  parent: { workflowId: string; runId: string } | null;
}

// ---------- POST /api/workflows/:id/approve | /reject  body { reviewer, reason } ----------
// `:id` is the pipeline's id or its promotion's (`<pipeline>/promotion`): both decide it.

export interface ReviewRequest {
  reviewer: string;
  reason: string;
}

export interface ReviewResponse {
  promotion: unknown;
}

// ---------- GET /api/schedules ?pageSize=&page= ; POST /api/schedules/:id/pause|unpause|trigger { note? } ----------

export interface ScheduleView {
  id: string;
  /** The workflow type the schedule starts. */
  workflowType: string;
  /** The view or model it serves, when its input names one. */
  subject: string | null;
  /** `every 1h`, `cron 0 3 * * *`… */
  spec: string;
  paused: boolean;
  note: string | null;
  actionsTaken: number;
  skippedOverlap: number;
  running: string[];
  recentActions: { workflowId: string; scheduledAt: number; takenAt: number }[];
  nextActionTimes: number[];
}

export interface ScheduleActionRequest {
  note?: string;
}

// ---------- GET /api/datasets ?view=&pageSize=&page= ; GET /api/datasets/:digest ----------

export interface DatasetView {
  digest: string;
  view: { name: string; codeHash: string };
  /** The cut of the log the dataset was built from. */
  cut: unknown;
  events: number;
  rows: number;
  /** rows, labelled, unlabelled, positives, negatives, positiveRate (null: none labelled). */
  labelBalance: Record<string, number | null>;
  split: unknown;
  observedFrom: number | string | null;
  observedUntil: number | string | null;
  generatedAt: number;
  mlflow: { experimentId: string; runId: string; runUrl: string };
  /** Global position of its DatasetGenerated event. */
  position: number;
  /** The pipeline or dataset workflow that made it. */
  workflowId: string | null;
}

export interface DatasetDetail extends DatasetView {
  /** The manifest as published (`dataset/manifest.json` in the MLflow run), or null if gone. */
  manifest: unknown;
  /** Model versions trained on this dataset (lineage, from the registry's tags). */
  models: { model: string; version: string; trainer: string; aliases: string[]; url: string }[];
}

// ---------- GET /api/models ?pageSize=&page= ; GET /api/models/:name ----------

export interface ModelListItem {
  name: string;
  championVersion: string | null;
  latestVersion: string | null;
  updatedAt: number | null;
  url: string;
}

export interface ModelVersionView {
  version: string;
  createdAt: number | null;
  trainer: string | null;
  datasetDigest: string | null;
  cut: number | null;
  view: string | null;
  workflowId: string | null;
  runId: string | null;
  aliases: string[];
  metrics: Record<string, number>;
  url: string;
}

/** The paired bootstrap of a decision's gain (see ml/metrics/pairedBootstrap.ts). */
export interface GainIntervalView {
  metric: string;
  confidence: number;
  resamples: number;
  rows: number;
  gain: number;
  lower: number;
  upper: number;
  standardError: number;
}

export interface AliasChangeView {
  at: number;
  outcome: string;
  decidedBy: string;
  fromVersion: string | null;
  toVersion: string;
  reviewer: string | null;
  reason: string;
  datasetDigest: string;
  pipelineId: string;
  /** The decision's significance interval; null for rollbacks and decisions without one. */
  interval: GainIntervalView | null;
}

export interface LiveWindowPoint {
  version: string;
  windowIndex: number;
  start: number;
  end: number;
  predictions: number;
  labelled: number;
  labelCoverage: number;
  rocAuc: number | null;
  logLoss: number | null;
  brier: number | null;
  ece: number | null;
  positiveRate: number | null;
  meanScore: number | null;
}

export interface CalibrationPoint {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

/** A platform event a page left out because it does not fit its schema. */
export interface SkippedEventView {
  eventId: string;
  streamId: string;
  type: string;
  globalPosition: number;
  problem: string;
}

export interface ModelDetail {
  name: string;
  championVersion: string | null;
  /** Newest first, at most 100. */
  versions: ModelVersionView[];
  /** Oldest first. */
  aliasHistory: AliasChangeView[];
  /** The model's platform events that do not fit their schema: left out above, shown as a warning. */
  skippedEvents: SkippedEventView[];
  /** Live evaluation windows, oldest first (the latest 500). */
  live: LiveWindowPoint[];
  /** The live evaluation workflow, if one was started. */
  liveEvaluation: { workflowId: string; status: WorkflowStatus } | null;
  /** Retrainings the live evaluation started, oldest first. */
  retrainings: { at: number; reason: unknown }[];
  /**
   * Live calibration over the latest windows (summed) of the champion — or, while a new champion
   * has no window yet, of the version evaluated last; null without any.
   */
  calibration: { version: string; windows: number; bins: CalibrationPoint[] } | null;
  url: string;
}

// ---------- Event store ----------
// GET /api/events/categories ?pageSize=&page=
// GET /api/events/streams ?category=&pageSize=&page=
// GET /api/events/streams/:streamId ?from=&limit=
// GET /api/events/recent ?category=&type=&pageSize=&page=
// GET /api/events/subscriptions
// GET /api/events/quarantine ?view=&limit=

export interface CategoryView {
  category: string;
  streams: number;
}

export interface StreamView {
  streamId: string;
  category: string;
  version: number;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface EventView {
  globalPosition: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: number;
  recordedAt: number;
  data: unknown;
  metadata: unknown;
  /** A poison event on a stream's page: the upcasters failed on it, so it shows as stored. */
  upcastError?: string;
}

export interface StreamEvents {
  stream: StreamView;
  events: EventView[];
  /** `from` for the next page, or null at the end. */
  next: number | null;
}

export interface SubscriptionView {
  name: string;
  globalPosition: number;
  updatedAt: number;
  /** Events committed after the checkpoint's position, in log order: how far behind it is. */
  lag: number;
  /** True when it is at least `LAG_CAP` (100,000) behind: `lag` stops counting there. */
  lagCapped: boolean;
}

export interface Subscriptions {
  head: number;
  items: SubscriptionView[];
}

/** An event a feature view went on without: its upcasters failed on it, or its reducer threw. */
export interface QuarantinedEventView {
  view: string;
  codeHash: string;
  upcastersHash: string;
  eventId: string;
  streamId: string;
  type: string;
  schemaVersion: number;
  transactionId: number;
  globalPosition: number;
  stage: 'upcast' | 'apply' | 'schema';
  reason: string;
  quarantinedAt: number;
}

/** Newest first. */
export interface QuarantinedEvents {
  items: QuarantinedEventView[];
}
