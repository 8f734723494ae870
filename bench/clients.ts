// gRPC clients for the benchmark: raw generated clients on the public client's channel settings
// (hindsight/client's channelOf), each with a private subchannel pool so that it gets its own
// HTTP/2 connection (grpc-js shares one between clients with equal options). Raw, so that the
// figures measure the wire and the server, as they always have.
import type { ClientUnaryCall, ServiceError } from '@grpc/grpc-js';
import {
  EventStoreClient,
  type AppendRequest,
  type AppendResponse,
  type CutRequest,
  type CutResponse,
} from '../gen/hindsight/v1/eventstore.js';
import { channelOf } from '../sdk/client.js';

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** Calls a unary method and resolves with its response. */
export const unary = <Req, Res>(
  method: (request: Req, callback: Callback<Res>) => ClientUnaryCall,
  request: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });

export interface BenchClient {
  client: EventStoreClient;
  calls: {
    append(request: AppendRequest): Promise<AppendResponse>;
    cut(): Promise<CutResponse>;
  };
}

export const createBenchClient = (address: string): BenchClient => {
  const client = new EventStoreClient(
    address,
    ...channelOf({ address, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
  );
  return {
    client,
    calls: {
      append: (request) =>
        unary<AppendRequest, AppendResponse>((r, cb) => client.append(r, cb), request),
      cut: () => unary<CutRequest, CutResponse>((r, cb) => client.cut(r, cb), {}),
    },
  };
};
