import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/harness/globalSetup.ts'],
    // generous: each step runs the real binary against real servers, and CI machines may be busy
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // test files mostly wait on the servers and on the oxps processes they start
    maxWorkers: 3,
  },
});
