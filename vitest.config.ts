import { defineConfig } from 'vitest/config';

export default defineConfig({
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
