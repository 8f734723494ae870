// The CLI's connection to the server: the public client (hindsight/client) with the address,
// API token and TLS of the configuration.
import { loadConfig } from '../config/env.js';
import { createHindsightClient, type HindsightClient } from '../sdk/client.js';

export const connectClient = (): HindsightClient => {
  const config = loadConfig();
  return createHindsightClient({
    address: config.HINDSIGHT_SERVER,
    apiToken: config.HINDSIGHT_API_TOKEN,
    caFile: config.HINDSIGHT_TLS_CA_FILE,
  });
};

/** Runs `use` with a client of the configured server, closing its channel after. */
export const withClient = async <T>(use: (client: HindsightClient) => Promise<T>): Promise<T> => {
  const client = connectClient();
  try {
    return await use(client);
  } finally {
    client.close();
  }
};
