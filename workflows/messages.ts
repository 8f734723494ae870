// Every workflow's queries, signals and updates, defined once for the workflow's handlers and
// for its clients' `handle.query(pipelineProgressQuery)`. Definitions only: the server imports
// this file, and a workflow module (proxyActivities at its top) must not load there.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BatchScoringProgress } from './batchScoringWorkflow.js';
import type { DatasetProgress } from './datasetWorkflow.js';
import type { LiveEvaluationStatus } from './liveEvaluationWorkflow.js';
import type { Review } from './promotionInput.js';
import type { PromotionStatus } from './promotionWorkflow.js';
import type { PipelineProgress } from './retrainingPipeline.js';
import type { SnapshotProgress } from './snapshotWorkflow.js';
import type { UndoProgress } from './undoMigrationWorkflow.js';
import type { MigrationProgress } from './upcastMigrationWorkflow.js';

export const pipelineProgressQuery = defineQuery<PipelineProgress>('progress');

export const datasetProgressQuery = defineQuery<DatasetProgress>('progress');

export const promotionStatusQuery = defineQuery<PromotionStatus>('status');
export const approveUpdate = defineUpdate<PromotionStatus, [Review]>('approve');
export const rejectUpdate = defineUpdate<PromotionStatus, [Review]>('reject');

export const liveEvaluationStatusQuery = defineQuery<LiveEvaluationStatus>('status');
export const stopLiveEvaluationSignal = defineSignal('stop');

export const batchScoringProgressQuery = defineQuery<BatchScoringProgress>('progress');

export const snapshotProgressQuery = defineQuery<SnapshotProgress>('progress');

export const migrationProgressQuery = defineQuery<MigrationProgress>('progress');
/** Retry the batch the migration stopped at (after a fixed upcaster was deployed). */
export const resumeMigrationSignal = defineSignal('resume');
/** Give up a blocked migration; the events migrated so far stay migrated (undo restores them). */
export const abortMigrationSignal = defineSignal<[string]>('abort');

export const undoProgressQuery = defineQuery<UndoProgress>('progress');
