// grpc.health.v1.Health/Check by hand (two one-field messages), for tests that watch a server's
// health go NOT_SERVING and back.
import { Client, credentials } from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const STATUSES: readonly HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

const identity = (bytes: Buffer): Buffer => bytes;

const statusOf = (response: Uint8Array): HealthStatus => {
  const reader = new BinaryReader(response);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.Varint) return STATUSES[reader.int32()] ?? 'UNKNOWN';
    reader.skip(wireType, number);
  }
  return 'UNKNOWN';
};

export interface HealthClient {
  /** The status of `service` ('' for the server), or 'UNKNOWN' when the call failed. */
  check(service: string): Promise<HealthStatus>;
  close(): void;
}

export const createHealthClient = (address: string): HealthClient => {
  const client = new Client(address, credentials.createInsecure());
  return {
    check: (service) =>
      new Promise((resolve) => {
        const request = Buffer.from(
          new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish(),
        );
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          identity,
          identity,
          request,
          { deadline: Date.now() + 3_000 },
          (error, response) => resolve(error || !response ? 'UNKNOWN' : statusOf(response)),
        );
      }),
    close: () => client.close(),
  };
};
