import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // e2e tests start containers and tracers; two cores, so run files one or two at a time.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
