import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  // Projects import Hindsight by its package name; here that is the source itself.
  resolve: {
    alias: [
      { find: /^hindsight$/, replacement: source('./sdk/index.ts') },
      { find: /^hindsight\/testing$/, replacement: source('./sdk/testing.ts') },
      { find: /^hindsight\/client$/, replacement: source('./sdk/client.ts') },
    ],
  },
  test: {
    // The Temporal native bridge segfaults under worker threads: one process per test file.
    pool: 'forks',
    globalSetup: ['test/support/globalSetup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
