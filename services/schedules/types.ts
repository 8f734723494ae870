// What the schedule operations take and give: JSON-safe, so the CLI prints them as they are.
import type { PipelineInput } from '../../workflows/pipelineInput.js';

/** A duration as ms or text such as `'90s'`, `'6h'`, `'1 day'` (checked when used). */
export type DurationText = string | number;

/** When the pipeline runs: every interval from an offset (from the epoch), or a 5-field cron. */
export type PipelineScheduleSpec =
  { every: DurationText; offset?: DurationText } | { cron: string };

export interface CreatePipelineSchedule {
  input: PipelineInput;
  spec: PipelineScheduleSpec;
  /** `pipeline-<view>` by default. */
  id?: string;
  /** How late a missed run may still start (after an outage); default 1 minute, at least 10 s. */
  catchupWindow?: DurationText;
  paused?: boolean;
  note?: string;
  memo?: Record<string, unknown>;
}

export interface ScheduledRun {
  workflowId: string;
  scheduledAt: string;
  takenAt: string;
}

export interface PipelineScheduleSummary {
  id: string;
  /** The view of the pipeline input; null for a schedule whose input has none. */
  view: string | null;
  /** `every 1h`, `every 2s offset 1s` or `cron 0 3 * * *`. */
  spec: string;
  paused: boolean;
  note: string | null;
  catchupWindowMs: number;
  actionsTaken: number;
  /** Runs not started because the previous one was still running (overlap policy SKIP). */
  skippedOverlap: number;
  /** Workflow ids of the runs still open. */
  running: string[];
  recentActions: ScheduledRun[];
  nextActionTimes: string[];
}

export interface PipelineSchedules {
  create(request: CreatePipelineSchedule): Promise<PipelineScheduleSummary>;
  list(filter?: { view?: string }): Promise<PipelineScheduleSummary[]>;
  describe(id: string): Promise<PipelineScheduleSummary>;
  pause(id: string, note?: string): Promise<void>;
  unpause(id: string, note?: string): Promise<void>;
  /** Starts a run now, unless one is still running (overlap policy SKIP). */
  trigger(id: string): Promise<void>;
  delete(id: string): Promise<void>;
}
