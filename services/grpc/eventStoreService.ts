// gRPC EventStore service: decodes requests, calls the event store, encodes results.
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import {
  type AggregateRegistry,
  createAggregateRegistry,
  type EventStore,
  NotFoundError,
  type Position,
  readSnapshot,
  type Sql,
  START,
  type StoredEvent,
  validateFilter,
  validateStreamId,
  validateSubscriptionName,
  ValidationError,
} from '../../eventstore/index.js';
import { refuseReservedNames } from '../../platform/reserved.js';
import {
  Direction,
  type EventBatch,
  type EventStoreServer,
  type ReadAllRequest,
  type ReadAllResponse,
  type ReadStreamResponse,
  type SubscribeRequest,
  type SubscribeResponse,
} from '../../gen/hindsight/v1/eventstore.js';
import { nextPageSize, type ReadSoFar } from './pageBudget.js';
import { readStreamPage } from './readStreamPage.js';
import { unary } from './unary.js';
import {
  chunkBySize,
  toExpectedVersion,
  toNewEvent,
  toPosition,
  toQuarantinedEventMessage,
  toRecordedEventMessage,
} from './codec.js';
import { statusError, toStatusError } from './status.js';

export interface EventStoreServiceDeps {
  store: EventStore;
  /** Aborted when the server shuts down: live subscriptions end with UNAVAILABLE. */
  shutdown: AbortSignal;
  /** Payload bytes per streamed message, kept well below clients' receive limit. */
  maxPayloadBytesPerMessage: number;
  /** ReadStream's snapshot_aggregate: the aggregates known, and the database of their snapshots. */
  snapshots?: { aggregates: AggregateRegistry; sql: Sql };
  onInternalError: (error: unknown) => void;
}

const NO_AGGREGATES = createAggregateRegistry([]);

const READ_ALL_PAGE = 1000;
/** What a ReadAll call holds in memory at a time, in messages' worth of payload. */
const READ_ALL_PAGE_MESSAGES = 4;

/** Writes with flow control: waits for 'drain' when the client reads slower than we send. */
const send = async <T>(
  call: ServerWritableStream<unknown, T>,
  message: T,
  signal: AbortSignal,
): Promise<void> => {
  if (call.write(message) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
};

const callSignal = (
  call: ServerWritableStream<unknown, unknown>,
  shutdown?: AbortSignal,
): AbortController => {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  call.on('cancelled', abort);
  call.on('close', abort);
  shutdown?.addEventListener('abort', abort, { once: true });
  controller.signal.addEventListener('abort', () => shutdown?.removeEventListener('abort', abort), {
    once: true,
  });
  return controller;
};

const checkPositiveRange = (value: number, field: string, max: number): void => {
  if (value > max) throw new ValidationError(field, `must be at most ${max}, got ${value}`);
};

export const createEventStoreService = ({
  store,
  shutdown,
  maxPayloadBytesPerMessage,
  snapshots,
  onInternalError,
}: EventStoreServiceDeps): EventStoreServer => {
  /** A page's events as messages within the size budget, each with the checkpoint after it. */
  const batches = (events: StoredEvent[], pageCheckpoint: Position): EventBatch[] => {
    const pieces = chunkBySize(events.map(toRecordedEventMessage), maxPayloadBytesPerMessage);
    return pieces.map((piece, i) => {
      const last = piece.at(-1);
      return {
        events: piece,
        checkpoint:
          i === pieces.length - 1 || !last
            ? pageCheckpoint
            : { transactionId: last.transactionId, globalPosition: last.globalPosition },
      };
    });
  };

  const fail = (call: ServerWritableStream<unknown, unknown>, error: unknown): void => {
    call.emit('error', toStatusError(error, onInternalError));
  };

  const readAllStream = async (
    call: ServerWritableStream<ReadAllRequest, ReadAllResponse>,
  ): Promise<void> => {
    const request = call.request;
    const filter = validateFilter({
      eventTypes: request.eventTypes,
      categories: request.categories,
    });
    const until = request.untilTransactionId || (await store.cut()).transactionId;
    let after: Position = toPosition(request.after) ?? START;
    let remaining = request.limit || Number.POSITIVE_INFINITY;
    // Pages shrink to fit large events: the server never holds 1000 events of megabytes each.
    let lastPage: ReadSoFar = { events: 0, bytes: 0 };
    const pageBudget = READ_ALL_PAGE_MESSAGES * maxPayloadBytesPerMessage;
    const controller = callSignal(call);
    while (!controller.signal.aborted) {
      const page = await store.readAll({
        ...filter,
        after,
        until,
        limit: Math.min(nextPageSize(pageBudget, lastPage, READ_ALL_PAGE), remaining),
        skipUpcastFailures: request.skipUpcastFailures,
      });
      after = page.checkpoint;
      remaining -= page.events.length;
      if (page.events.length > 0) {
        const bytes = page.events.reduce((n, e) => n + e.data.length + e.metadata.length, 0);
        lastPage = { events: page.events.length, bytes };
      }
      const finished = page.reachedEnd || remaining <= 0;
      const messages = batches(page.events, page.checkpoint);
      // The last page says where to continue even when it holds no events.
      if (finished && messages.length === 0)
        messages.push({ events: [], checkpoint: page.checkpoint });
      for (const message of messages) await send(call, message, controller.signal);
      if (finished) break;
    }
    call.end();
  };

  const startOf = async (request: SubscribeRequest): Promise<Position> => {
    const start = request.start;
    switch (start?.$case) {
      case undefined:
        return START;
      case 'after':
        return toPosition(start.after) ?? START;
      case 'subscriptionName': {
        const stored = await store.loadCheckpoint(validateSubscriptionName(start.subscriptionName));
        return stored?.position ?? START;
      }
      case 'fromEnd':
        return { transactionId: (await store.cut()).transactionId, globalPosition: 0 };
    }
  };

  const subscribeStream = async (
    call: ServerWritableStream<SubscribeRequest, SubscribeResponse>,
  ): Promise<void> => {
    const filter = validateFilter({
      eventTypes: call.request.eventTypes,
      categories: call.request.categories,
    });
    const after = await startOf(call.request);
    const controller = callSignal(call, shutdown);
    const skipUpcastFailures = call.request.skipUpcastFailures;
    for await (const item of store.follow({
      ...filter,
      after,
      signal: controller.signal,
      skipUpcastFailures,
    })) {
      if (item.kind === 'caught-up') {
        await send(
          call,
          { message: { $case: 'caughtUp', caughtUp: item.checkpoint } },
          controller.signal,
        );
      } else if (item.kind === 'progress') {
        await send(
          call,
          { message: { $case: 'events', events: { events: [], checkpoint: item.checkpoint } } },
          controller.signal,
        );
      } else {
        for (const events of batches(item.events, item.checkpoint)) {
          await send(call, { message: { $case: 'events', events } }, controller.signal);
        }
      }
    }
    if (shutdown.aborted && !call.cancelled) {
      fail(
        call,
        statusError(
          status.UNAVAILABLE,
          'the server is shutting down; resubscribe from your checkpoint',
        ),
      );
    }
  };

  return {
    append: unary(onInternalError, async (request) => {
      validateStreamId(request.streamId);
      refuseReservedNames(
        request.streamId,
        request.events.map((event) => event.type),
      );
      const result = await store.append(
        request.streamId,
        request.events.map(toNewEvent),
        toExpectedVersion(request.expected),
      );
      return { ...result };
    }),

    readStream: unary(onInternalError, async (request) => {
      checkPositiveRange(request.limit, 'limit', 10_000);
      const backwards = request.direction === Direction.DIRECTION_BACKWARDS;
      let fromVersion = request.fromVersion === 0 ? undefined : request.fromVersion;
      let snapshot: ReadStreamResponse['snapshot'];
      if (request.snapshotAggregate) {
        if (backwards || fromVersion !== undefined) {
          throw new ValidationError(
            'snapshot_aggregate',
            'reads forwards from the snapshot: leave direction and from_version unset',
          );
        }
        const aggregate = (snapshots?.aggregates ?? NO_AGGREGATES).get(request.snapshotAggregate);
        validateStreamId(request.streamId);
        const found = snapshots && (await readSnapshot(snapshots.sql, aggregate, request.streamId));
        if (!found) throw new NotFoundError('stream', request.streamId);
        if (found.snapshot) {
          fromVersion = found.snapshot.streamVersion + 1;
          snapshot = {
            aggregateType: aggregate.type,
            streamVersion: found.snapshot.streamVersion,
            stateSchemaVersion: aggregate.stateSchemaVersion,
            codeHash: aggregate.codeHash,
            state: Buffer.from(found.snapshot.state, 'utf8'),
            createdAtMs: found.snapshot.createdAt,
          };
        }
      }
      // Bounded by bytes as well as count: the client continues after the last event.
      const page = await readStreamPage(
        store,
        request.streamId,
        {
          direction: backwards ? 'backwards' : 'forwards',
          fromVersion,
          limit: request.limit === 0 ? 1000 : request.limit,
          skipUpcastFailures: request.skipUpcastFailures,
        },
        maxPayloadBytesPerMessage - (snapshot?.state.length ?? 0),
      );
      return { ...page, snapshot };
    }),

    readAll: (call) => {
      readAllStream(call).catch((error: unknown) => fail(call, error));
    },

    subscribe: (call) => {
      subscribeStream(call).catch((error: unknown) => fail(call, error));
    },

    saveCheckpoint: unary(onInternalError, async (request) => {
      const position = toPosition(request.position);
      if (!position) throw new ValidationError('position', 'is required');
      await store.saveCheckpoint(request.subscriptionName, position);
      return {};
    }),

    getCheckpoint: unary(onInternalError, async (request) => {
      const stored = await store.loadCheckpoint(request.subscriptionName);
      return { position: stored?.position, updatedAtMs: stored?.updatedAt ?? 0 };
    }),

    getStream: unary(onInternalError, async (request) => {
      const info = await store.getStream(request.streamId);
      return {
        streamId: info.streamId,
        category: info.category,
        version: info.version,
        archived: info.archived,
        createdAtMs: info.createdAt,
        firstEventAtMs: info.firstEventAt ?? 0,
        lastEventAtMs: info.lastEventAt ?? 0,
      };
    }),

    archiveStream: unary(onInternalError, async (request) => store.archiveStream(request.streamId)),

    cut: unary(onInternalError, async () => {
      const cut = await store.cut();
      return { transactionId: cut.transactionId, takenAtMs: cut.takenAt };
    }),

    listQuarantinedEvents: unary(onInternalError, async (request) => {
      const entries = await store.quarantine.list({
        view: request.viewName || undefined,
        limit: request.limit || undefined,
      });
      return { events: entries.map(toQuarantinedEventMessage) };
    }),
  };
};
