// Builds and runs the gRPC server: EventStore (and with the platform Pipelines, Models and
// Operations), health, reflection, auth, TLS, message limits, and a shutdown that drains calls
// in flight.
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { EventStore } from '../../eventstore/index.js';
import { EventStoreService } from '../../gen/hindsight/v1/eventstore.js';
import { ModelsService } from '../../gen/hindsight/v1/models.js';
import { OperationsService } from '../../gen/hindsight/v1/operations.js';
import { PipelinesService } from '../../gen/hindsight/v1/pipelines.js';
import { tokenAuthInterceptor } from './auth.js';
import { guardDecoding } from './decodeGuard.js';
import { createEventStoreService, type EventStoreServiceDeps } from './eventStoreService.js';
import { listen } from './listener.js';
import { addReflection, loadDescriptorSet } from './reflection/index.js';
import { createModelsService, type ModelsServiceDeps } from './modelsService.js';
import { createOperationsService, type OperationsServiceDeps } from './operationsService.js';
import { createPipelinesService, type PipelinesServiceDeps } from './pipelinesService.js';
import { healthOf, type Dependency } from '../health/dependentServices.js';
import type { DependencyWatch } from '../health/watchDependencies.js';

export interface GrpcServerOptions {
  store: EventStore;
  /** The aggregates ReadStream may start from a snapshot of; without them it refuses to. */
  snapshots?: EventStoreServiceDeps['snapshots'];
  /** Pipelines and Models need Temporal and MLflow; without them only EventStore is served. */
  platform?: {
    pipelines: Omit<PipelinesServiceDeps, 'onInternalError'>;
    models: Omit<ModelsServiceDeps, 'onInternalError'>;
    /** Migrations and snapshots; served when given. */
    operations?: Omit<OperationsServiceDeps, 'onInternalError'>;
  };
  host: string;
  port: number;
  maxMessageBytes: number;
  apiToken?: string;
  tls?: { certFile: string; keyFile: string };
  /** How long shutdown waits for calls in flight before cancelling them. */
  shutdownGraceMs: number;
  onInternalError: (error: unknown) => void;
  /** PostgreSQL, Temporal and MLflow as checked: the services needing one that is down are NOT_SERVING. */
  dependencies?: Pick<DependencyWatch, 'down' | 'onChange'>;
}

export interface RunningGrpcServer {
  port: number;
  /**
   * Stops accepting calls, ends live subscriptions, waits for unary calls to finish; at the end
   * of the grace closes every connection, whatever its client does.
   */
  shutdown(): Promise<void>;
}

const credentials = (tls: GrpcServerOptions['tls']): ServerCredentials =>
  tls
    ? ServerCredentials.createSsl(null, [
        { cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) },
      ])
    : ServerCredentials.createInsecure();

export const startGrpcServer = async (options: GrpcServerOptions): Promise<RunningGrpcServer> => {
  const interceptors: ServerInterceptor[] = options.apiToken
    ? [tokenAuthInterceptor(options.apiToken)]
    : [];
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
    // Channelz bookkeeping costs CPU on every call; nothing here reads it.
    'grpc.enable_channelz': 0,
    interceptors,
  });
  const shutdownController = new AbortController();
  // Every live Subscribe call listens for it: hundreds are normal, not a leak.
  setMaxListeners(0, shutdownController.signal);
  server.addService(
    ...guardDecoding(
      EventStoreService,
      createEventStoreService({
        store: options.store,
        shutdown: shutdownController.signal,
        maxPayloadBytesPerMessage: Math.min(1024 * 1024, Math.floor(options.maxMessageBytes / 2)),
        snapshots: options.snapshots,
        onInternalError: options.onInternalError,
      }),
    ),
  );
  const served: Record<string, 'SERVING'> = { '': 'SERVING', 'hindsight.v1.EventStore': 'SERVING' };
  if (options.platform) {
    const { onInternalError } = options;
    server.addService(
      ...guardDecoding(
        PipelinesService,
        createPipelinesService({ ...options.platform.pipelines, onInternalError }),
      ),
    );
    server.addService(
      ...guardDecoding(
        ModelsService,
        createModelsService({ ...options.platform.models, onInternalError }),
      ),
    );
    served['hindsight.v1.Pipelines'] = 'SERVING';
    served['hindsight.v1.Models'] = 'SERVING';
    if (options.platform.operations) {
      server.addService(
        ...guardDecoding(
          OperationsService,
          createOperationsService({ ...options.platform.operations, onInternalError }),
        ),
      );
      served['hindsight.v1.Operations'] = 'SERVING';
    }
  }
  const health = new HealthImplementation(served);
  health.addToServer(server);
  const showDependencies = (): void => {
    if (shutdownController.signal.aborted || !options.dependencies) return;
    const down = new Set<Dependency>(options.dependencies.down().keys());
    for (const service of Object.keys(served)) health.setStatus(service, healthOf(service, down));
  };
  const stopShowingDependencies = options.dependencies?.onChange(showDependencies);
  showDependencies();
  const servedServices = Object.keys(served).filter((service) => service !== '');
  addReflection(server, loadDescriptorSet(), [...servedServices, 'grpc.health.v1.Health']);

  const listener = await listen(server, credentials(options.tls), options.host, options.port);

  let stopping: Promise<void> | undefined;
  return {
    port: listener.port,
    shutdown: () =>
      (stopping ??= new Promise<void>((resolve) => {
        stopShowingDependencies?.();
        health.setStatus('', 'NOT_SERVING');
        health.setStatus('hindsight.v1.EventStore', 'NOT_SERVING');
        shutdownController.abort();
        listener.stopAccepting();
        // Past the grace, calls still open are cut off with their connections, whatever the
        // clients do: a stream whose client stopped reading cannot even take its status.
        const force = setTimeout(() => {
          server.forceShutdown();
          listener.destroyConnections();
          resolve();
        }, options.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
};
