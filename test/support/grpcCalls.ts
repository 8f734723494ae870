// Raw grpc-js clients for the tests that check the wire (status codes, details, trailers, bad
// input): the generated clients on the public client's channel settings (hindsight/client's
// channelOf), their unary methods as promises that reject with grpc-js's ServiceError as it came.
import type { ClientUnaryCall, ServiceError } from '@grpc/grpc-js';
import { channelOf, type ClientOptions } from '../../sdk/client.js';
import {
  EventStoreClient,
  type AppendRequest,
  type AppendResponse,
  type ArchiveStreamRequest,
  type ArchiveStreamResponse,
  type CutRequest,
  type CutResponse,
  type ListQuarantinedEventsRequest,
  type ListQuarantinedEventsResponse,
  type GetCheckpointRequest,
  type GetCheckpointResponse,
  type GetStreamRequest,
  type GetStreamResponse,
  type ReadStreamRequest,
  type ReadStreamResponse,
  type SaveCheckpointRequest,
  type SaveCheckpointResponse,
} from '../../gen/hindsight/v1/eventstore.js';
import { ModelsClient } from '../../gen/hindsight/v1/models.js';
import {
  OperationsClient,
  type AbortMigrationRequest,
  type AbortMigrationResponse,
  type GetMigrationRequest,
  type GetMigrationResponse,
  type GetSnapshotRunRequest,
  type GetSnapshotRunResponse,
  type GetSnapshotStatsRequest,
  type GetSnapshotStatsResponse,
  type ListMigrationsRequest,
  type ListMigrationsResponse,
  type ResumeMigrationRequest,
  type ResumeMigrationResponse,
  type ScheduleSnapshotsRequest,
  type ScheduleSnapshotsResponse,
  type StartMigrationRequest,
  type StartMigrationResponse,
  type StartSnapshotsRequest,
  type StartSnapshotsResponse,
  type UndoMigrationRequest,
  type UndoMigrationResponse,
} from '../../gen/hindsight/v1/operations.js';
import { PipelinesClient } from '../../gen/hindsight/v1/pipelines.js';

export const createEventStoreClient = (options: ClientOptions): EventStoreClient =>
  new EventStoreClient(options.address, ...channelOf(options));

export const createPipelinesClient = (options: ClientOptions): PipelinesClient =>
  new PipelinesClient(options.address, ...channelOf(options));

export const createModelsClient = (options: ClientOptions): ModelsClient =>
  new ModelsClient(options.address, ...channelOf(options));

export const createOperationsClient = (options: ClientOptions): OperationsClient =>
  new OperationsClient(options.address, ...channelOf(options));

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** Calls a unary method and resolves with its response. */
export const unary = <Req, Res>(
  method: (request: Req, callback: Callback<Res>) => ClientUnaryCall,
  request: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });

/** The EventStore's unary methods as promises. */
export const eventStoreCalls = (client: EventStoreClient) => ({
  append: (request: AppendRequest) =>
    unary<AppendRequest, AppendResponse>((r, cb) => client.append(r, cb), request),
  // snapshot_aggregate and skip_upcast_failures are optional: reads written before they existed
  // need not name them.
  readStream: (
    request: Omit<ReadStreamRequest, 'snapshotAggregate' | 'skipUpcastFailures'> & {
      snapshotAggregate?: string;
      skipUpcastFailures?: boolean;
    },
  ) =>
    unary<ReadStreamRequest, ReadStreamResponse>((r, cb) => client.readStream(r, cb), {
      snapshotAggregate: '',
      skipUpcastFailures: false,
      ...request,
    }),
  getStream: (request: GetStreamRequest) =>
    unary<GetStreamRequest, GetStreamResponse>((r, cb) => client.getStream(r, cb), request),
  archiveStream: (request: ArchiveStreamRequest) =>
    unary<ArchiveStreamRequest, ArchiveStreamResponse>(
      (r, cb) => client.archiveStream(r, cb),
      request,
    ),
  saveCheckpoint: (request: SaveCheckpointRequest) =>
    unary<SaveCheckpointRequest, SaveCheckpointResponse>(
      (r, cb) => client.saveCheckpoint(r, cb),
      request,
    ),
  getCheckpoint: (request: GetCheckpointRequest) =>
    unary<GetCheckpointRequest, GetCheckpointResponse>(
      (r, cb) => client.getCheckpoint(r, cb),
      request,
    ),
  cut: () => unary<CutRequest, CutResponse>((r, cb) => client.cut(r, cb), {}),
  listQuarantinedEvents: (request: ListQuarantinedEventsRequest) =>
    unary<ListQuarantinedEventsRequest, ListQuarantinedEventsResponse>(
      (r, cb) => client.listQuarantinedEvents(r, cb),
      request,
    ),
});

export type EventStoreCalls = ReturnType<typeof eventStoreCalls>;

const call =
  <Req, Res>(method: (request: Req, callback: Callback<Res>) => ClientUnaryCall) =>
  (request: Req): Promise<Res> =>
    unary(method, request);

/** The Operations service's methods as promises. */
export const operationsCalls = (client: OperationsClient) => ({
  startMigration: call<StartMigrationRequest, StartMigrationResponse>((r, cb) =>
    client.startMigration(r, cb),
  ),
  getMigration: call<GetMigrationRequest, GetMigrationResponse>((r, cb) =>
    client.getMigration(r, cb),
  ),
  listMigrations: call<ListMigrationsRequest, ListMigrationsResponse>((r, cb) =>
    client.listMigrations(r, cb),
  ),
  resumeMigration: call<ResumeMigrationRequest, ResumeMigrationResponse>((r, cb) =>
    client.resumeMigration(r, cb),
  ),
  abortMigration: call<AbortMigrationRequest, AbortMigrationResponse>((r, cb) =>
    client.abortMigration(r, cb),
  ),
  undoMigration: call<UndoMigrationRequest, UndoMigrationResponse>((r, cb) =>
    client.undoMigration(r, cb),
  ),
  startSnapshots: call<StartSnapshotsRequest, StartSnapshotsResponse>((r, cb) =>
    client.startSnapshots(r, cb),
  ),
  getSnapshotRun: call<GetSnapshotRunRequest, GetSnapshotRunResponse>((r, cb) =>
    client.getSnapshotRun(r, cb),
  ),
  getSnapshotStats: call<GetSnapshotStatsRequest, GetSnapshotStatsResponse>((r, cb) =>
    client.getSnapshotStats(r, cb),
  ),
  scheduleSnapshots: call<ScheduleSnapshotsRequest, ScheduleSnapshotsResponse>((r, cb) =>
    client.scheduleSnapshots(r, cb),
  ),
});

export type OperationsCalls = ReturnType<typeof operationsCalls>;
