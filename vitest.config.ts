import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Builds dist/ once (CLI tests spawn `node dist/generator/cli.js`).
    globalSetup: ['test/helpers/global-setup.ts'],
    // Only against hangs: a loaded 2-core machine must never hit a limit (speed lives in the benchmarks).
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // Tests that spawn the CLI are slow on a 2-core machine; keep parallelism modest.
    maxWorkers: 2,
  },
});
