// gRPC clients for the benchmark: the CLI's client with a private subchannel pool, so that each
// client gets its own HTTP/2 connection (grpc-js shares one between clients with equal options).
import {
  createEventStoreClient,
  eventStoreCalls,
  type EventStoreCalls,
} from '../cli/grpcClient.js';
import type { EventStoreClient } from '../gen/hindsight/v1/eventstore.js';

export interface BenchClient {
  client: EventStoreClient;
  calls: EventStoreCalls;
}

export const createBenchClient = (address: string): BenchClient => {
  const client = createEventStoreClient({
    address,
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  return { client, calls: eventStoreCalls(client) };
};
