// gRPC Operations service: starts and follows upcasting migrations, their undo and snapshot runs
// through the Temporal client, reads migration records and snapshot statistics from the
// database, and keeps the snapshot schedule. Requests are checked before anything starts.
import { status } from '@grpc/grpc-js';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import {
  type AggregateRegistry,
  type EventStore,
  findActiveMigration,
  getMigration,
  listMigrations,
  type Sql,
  ValidationError,
} from '../../eventstore/index.js';
import type { OperationsServer } from '../../gen/hindsight/v1/operations.js';
import { failureMessage } from '../../workflows/failureMessage.js';
import type {
  MigrationWorkflowInput,
  SnapshotWorkflowInput,
  UndoMigrationWorkflowInput,
} from '../../workflows/operationsInput.js';
import {
  abortMigrationSignal,
  migrationProgressQuery,
  resumeMigrationSignal,
  snapshotProgressQuery,
} from '../../workflows/messages.js';
import type { SnapshotWorkflow } from '../../workflows/snapshotWorkflow.js';
import type { UndoMigrationWorkflow } from '../../workflows/undoMigrationWorkflow.js';
import type { UpcastMigrationWorkflow } from '../../workflows/upcastMigrationWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { getSnapshotSchedule, putSnapshotSchedule } from '../schedules/snapshotSchedule.js';
import {
  describeMigration,
  findMigrationRecord,
  migrationNotFound,
  undoWorkflowId,
} from './describeMigration.js';
import { json, toMigration, toSnapshotSchedule, toSnapshotStats } from './operationsCodec.js';
import { statusError } from './status.js';
import { unary } from './unary.js';
import { findWorkflow, workflowOutcome } from './workflowOutcome.js';

export interface OperationsServiceDeps {
  client: Client;
  taskQueue: string;
  /** The event store's database: migration records. */
  sql: Sql;
  /** Its upcasters check migration targets; its snapshots give the statistics. */
  store: Pick<EventStore, 'upcasters' | 'snapshots'>;
  aggregates: AggregateRegistry;
  onInternalError: (error: unknown) => void;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const MAX_BATCH = 10_000;
const MAX_SAMPLES = 100;
const MAX_PAGE = 200;
/** How long GetSnapshotStats waits for Temporal's answer about the schedule. */
const SCHEDULE_LOOKUP_MS = 3000;

const hex12 = (): string => randomBytes(6).toString('hex');

/** A migration the call does not apply to in its current state. */
const notBlocked = (id: string, message: string) =>
  statusError(status.FAILED_PRECONDITION, message, {
    reason: 'MIGRATION_NOT_BLOCKED',
    metadata: { migration_id: id },
  });

const migrationExists = (id: string) =>
  statusError(status.ALREADY_EXISTS, `migration '${id}' already exists`, {
    reason: 'MIGRATION_ALREADY_EXISTS',
    metadata: { migration_id: id },
  });

/** Temporal's "already started" as the caller's own error; any other failure as it is. */
const alreadyStartedAs =
  (refusal: () => Error) =>
  (error: unknown): never => {
    throw error instanceof WorkflowExecutionAlreadyStartedError ? refusal() : error;
  };

const batchSizeOf = (batchSize: number): { batchSize?: number } => {
  if (batchSize === 0) return {};
  if (batchSize > MAX_BATCH) {
    throw new ValidationError('batch_size', `must be from 1 to ${MAX_BATCH}, got ${batchSize}`);
  }
  return { batchSize };
};

export const createOperationsService = ({
  client,
  taskQueue,
  sql,
  store,
  aggregates,
  onInternalError,
}: OperationsServiceDeps): OperationsServer => {
  /** A running migration waiting at a failed upcast: the only one resume and abort apply to. */
  const blockedMigration = async (id: string, verb: string) => {
    const workflow = ID.test(id)
      ? await findWorkflow<typeof UpcastMigrationWorkflow>(
          client,
          id,
          WORKFLOW_TYPES.UpcastMigrationWorkflow,
        )
      : null;
    if (!workflow) {
      const record = ID.test(id) ? await findMigrationRecord(sql, id) : null;
      if (!record) throw migrationNotFound(id);
      throw notBlocked(
        id,
        `migration '${id}' is ${record.status} and its workflow is gone: only a blocked migration can be ${verb}`,
      );
    }
    const { handle, description } = workflow;
    const progress =
      description.status.name === 'RUNNING'
        ? await handle.query(migrationProgressQuery).catch(() => undefined)
        : undefined;
    if (progress?.stage !== 'blocked') {
      const where =
        description.status.name === 'RUNNING'
          ? `at stage ${progress?.stage ?? 'unknown'}`
          : description.status.name.toLowerCase();
      throw notBlocked(
        id,
        `migration '${id}' is ${where}, not blocked: only a blocked migration can be ${verb}`,
      );
    }
    return handle;
  };

  return {
    startMigration: unary(onInternalError, async (request) => {
      if (!request.eventType) throw new ValidationError('event_type', 'is required');
      store.upcasters.checkTarget(request.eventType, request.toVersion);
      const sampleSize = request.sampleSize;
      if (sampleSize !== undefined && sampleSize > MAX_SAMPLES) {
        throw new ValidationError(
          'sample_size',
          `must be from 0 to ${MAX_SAMPLES}, got ${sampleSize}`,
        );
      }
      if (request.migrationId && !ID.test(request.migrationId)) {
        throw new ValidationError(
          'migration_id',
          `'${request.migrationId}' is not a migration id (1 to 200 letters, digits, _ . : -, starting with a letter or digit)`,
        );
      }
      const input: MigrationWorkflowInput = {
        eventType: request.eventType,
        toVersion: request.toVersion,
        dryRun: request.dryRun,
        ...batchSizeOf(request.batchSize),
        ...(sampleSize === undefined ? {} : { sampleSize }),
      };
      if (!request.dryRun) {
        const active = await findActiveMigration(sql, request.eventType);
        if (active) {
          throw statusError(
            status.FAILED_PRECONDITION,
            `event type '${request.eventType}' has a migration ${active.status} already: '${active.migrationId}'`,
            {
              reason: 'MIGRATION_IN_PROGRESS',
              metadata: { event_type: request.eventType, migration_id: active.migrationId },
            },
          );
        }
      }
      const migrationId = request.migrationId || `migration-${request.eventType}-${hex12()}`;
      // A record outlives its workflow's history: its id stays taken.
      if (await findMigrationRecord(sql, migrationId)) throw migrationExists(migrationId);
      await client.workflow
        .start<typeof UpcastMigrationWorkflow>(WORKFLOW_TYPES.UpcastMigrationWorkflow, {
          taskQueue,
          workflowId: migrationId,
          // A migration id names one migration forever: status, resume and undo never mean another.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [input],
          memo: { eventType: input.eventType, toVersion: input.toVersion, dryRun: request.dryRun },
        })
        // A dry run leaves no record, only its workflow.
        .catch(alreadyStartedAs(() => migrationExists(migrationId)));
      return { migrationId };
    }),

    getMigration: unary(onInternalError, async ({ migrationId }) => {
      if (!ID.test(migrationId)) throw migrationNotFound(migrationId);
      return { migration: await describeMigration(client, sql, migrationId) };
    }),

    listMigrations: unary(onInternalError, async ({ eventType, pageSize }) => {
      if (pageSize > MAX_PAGE) {
        throw new ValidationError('page_size', `must be from 1 to ${MAX_PAGE}, got ${pageSize}`);
      }
      const records = await listMigrations(sql, {
        ...(eventType ? { eventType } : {}),
        limit: pageSize || 50,
      });
      return { migrations: records.map(toMigration) };
    }),

    resumeMigration: unary(onInternalError, async ({ migrationId }) => {
      await (await blockedMigration(migrationId, 'resumed')).signal(resumeMigrationSignal);
      return {};
    }),

    abortMigration: unary(onInternalError, async ({ migrationId, reason }) => {
      if (reason.length > 2000)
        throw new ValidationError('reason', 'is longer than 2000 characters');
      await (await blockedMigration(migrationId, 'aborted')).signal(abortMigrationSignal, reason);
      return {};
    }),

    undoMigration: unary(onInternalError, async ({ migrationId, batchSize }) => {
      const sized = batchSizeOf(batchSize);
      if (!ID.test(migrationId)) throw migrationNotFound(migrationId);
      const record = await getMigration(sql, migrationId);
      if (record.status !== 'completed' && record.status !== 'failed') {
        throw statusError(
          status.FAILED_PRECONDITION,
          `migration '${migrationId}' is ${record.status}: only a completed or failed one can be undone`,
          { reason: 'MIGRATION_STATE', metadata: { migration_id: migrationId } },
        );
      }
      const workflowId = undoWorkflowId(migrationId);
      const input: UndoMigrationWorkflowInput = { migrationId, ...sized };
      await client.workflow
        .start<typeof UndoMigrationWorkflow>(WORKFLOW_TYPES.UndoMigrationWorkflow, {
          taskQueue,
          workflowId,
          // A failed undo may be tried again; one that ran or runs may not.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          args: [input],
        })
        .catch(
          alreadyStartedAs(() =>
            statusError(
              status.ALREADY_EXISTS,
              `migration '${migrationId}' has an undo already ('${workflowId}'): it runs or ran; see GetMigration`,
              {
                reason: 'UNDO_ALREADY_STARTED',
                metadata: { migration_id: migrationId, workflow_id: workflowId },
              },
            ),
          ),
        );
      return { workflowId };
    }),

    startSnapshots: unary(onInternalError, async ({ aggregateTypes }) => {
      const types = [...new Set(aggregateTypes)].map((type) => aggregates.get(type).type);
      const input: SnapshotWorkflowInput = types.length ? { aggregateTypes: types } : {};
      const workflowId = `snapshot-${hex12()}`;
      await client.workflow.start<typeof SnapshotWorkflow>(WORKFLOW_TYPES.SnapshotWorkflow, {
        taskQueue,
        workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      });
      return { workflowId };
    }),

    getSnapshotRun: unary(onInternalError, async ({ workflowId }) => {
      const workflow = ID.test(workflowId)
        ? await findWorkflow<typeof SnapshotWorkflow>(
            client,
            workflowId,
            WORKFLOW_TYPES.SnapshotWorkflow,
          )
        : null;
      if (!workflow) {
        throw statusError(status.NOT_FOUND, `snapshot run '${workflowId}' not found`, {
          reason: 'SNAPSHOT_RUN_NOT_FOUND',
          metadata: { workflow_id: workflowId },
        });
      }
      const { progress, result, failure } = await workflowOutcome(workflow, snapshotProgressQuery);
      const shown = progress ?? result;
      return {
        workflowId,
        workflowStatus: workflow.description.status.name,
        stage: shown?.stage ?? 'failed',
        progressJson: shown ? json(shown) : Buffer.alloc(0),
        failure: shown?.error ?? failure,
        startedAtMs: workflow.description.startTime.getTime(),
        closedAtMs: workflow.description.closeTime?.getTime() ?? 0,
      };
    }),

    getSnapshotStats: unary(onInternalError, async ({ aggregateTypes }) => {
      const types = aggregateTypes.length ? [...new Set(aggregateTypes)] : [...aggregates.types];
      const chosen = types.map((type) => aggregates.get(type));
      const [stats, schedule] = await Promise.all([
        Promise.all(chosen.map((aggregate) => store.snapshots.stats(aggregate))),
        // Statistics come from the database: without Temporal they still answer.
        client
          .withDeadline(Date.now() + SCHEDULE_LOOKUP_MS, () => getSnapshotSchedule(client.schedule))
          .then(
            (found) => ({ found, error: '' }),
            (error: unknown) => ({
              found: null,
              error: `Temporal could not be asked: ${failureMessage(error)}`,
            }),
          ),
      ]);
      return {
        aggregates: stats.map(toSnapshotStats),
        schedule: schedule.found ? toSnapshotSchedule(schedule.found) : undefined,
        scheduleError: schedule.error,
      };
    }),

    scheduleSnapshots: unary(onInternalError, async ({ intervalSeconds, paused }) => {
      const { schedule, created } = await putSnapshotSchedule(client.schedule, taskQueue, {
        intervalSeconds,
        ...(paused === undefined ? {} : { paused }),
      });
      return { schedule: toSnapshotSchedule(schedule), created };
    }),
  };
};
