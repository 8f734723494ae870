// The platform's own streams and event types. Only the platform writes them, through the store
// itself (workflows' activities, Predict); the gRPC Append refuses them from clients, so no
// client can forge a promotion, a dataset or a prediction that live evaluation would count.
import { categoryOf, ReservedNameError } from '../eventstore/index.js';

/** Streams of the platform's records: `hindsight.models-<model>`, `hindsight.datasets-<view>`, … */
export const PLATFORM_STREAM_PREFIX = 'hindsight.';

/** Categories of platform streams without the prefix: Predict's `prediction-<id>`, live evaluation's `evaluation-<model>`. */
export const PLATFORM_CATEGORIES: readonly string[] = ['prediction', 'evaluation'];

/** Every event type the platform appends, whatever the stream. */
export const PLATFORM_EVENT_TYPES: readonly string[] = [
  'DatasetGenerated',
  'ModelPromoted',
  'PromotionRejected',
  'PredictionMade',
  'ModelEvaluated',
  'RetrainingTriggered',
  'MigrationCompleted',
  'MigrationFailed',
  'MigrationUndone',
  'SnapshotsTaken',
];

const RESERVED_TYPES = new Set(PLATFORM_EVENT_TYPES);

/** Whether an event is one of the platform's own records (by its stream or its type). */
export const isPlatformEvent = (streamId: string, type: string): boolean =>
  streamId.startsWith(PLATFORM_STREAM_PREFIX) ||
  PLATFORM_CATEGORIES.includes(categoryOf(streamId)) ||
  RESERVED_TYPES.has(type);

/** Refuses a client's append to a platform stream or of a platform event type. */
export const refuseReservedNames = (streamId: string, eventTypes: readonly string[]): void => {
  if (streamId.startsWith(PLATFORM_STREAM_PREFIX)) {
    throw new ReservedNameError(
      'stream_id',
      `stream '${streamId}' is reserved for the platform: streams named '${PLATFORM_STREAM_PREFIX}…' are written by Hindsight only`,
    );
  }
  const category = categoryOf(streamId);
  if (PLATFORM_CATEGORIES.includes(category)) {
    throw new ReservedNameError(
      'stream_id',
      `stream '${streamId}' is reserved for the platform: category '${category}' is written by Hindsight only`,
    );
  }
  const index = eventTypes.findIndex((type) => RESERVED_TYPES.has(type));
  if (index >= 0) {
    throw new ReservedNameError(
      `events[${index}].type`,
      `event type '${eventTypes[index]}' is reserved for the platform: only Hindsight appends it`,
    );
  }
};
