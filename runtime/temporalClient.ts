// Temporal for one command: one connection, a clear exit 69 when Temporal is not there, and
// the connection closed however the command ends.
import { Client, Connection } from '@temporalio/client';
import { temporalAddressOf, type Config } from '../config/env.js';
import { UnavailableError } from './unavailableError.js';

export const unreachable = (address: string, error: unknown): UnavailableError =>
  new UnavailableError(
    `Temporal at ${address} is unreachable (${error instanceof Error ? error.message : String(error)}): ` +
      'start it with `hindsight stack up`, or set TEMPORAL_ADDRESS',
  );

export const withTemporalClient = async <T>(
  config: Config,
  use: (client: Client) => Promise<T>,
): Promise<T> => {
  const address = temporalAddressOf(config);
  const connection = await Connection.connect({ address, connectTimeout: 5000 }).catch(
    (error: unknown) => {
      throw unreachable(address, error);
    },
  );
  try {
    return await use(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
};
