// `npm run test:interop`: oxps against Libervia 0.9, the reference implementation of XEP-0473,
// both on a throwaway Prosody (see test/interop/setup.ts and test/interop/libervia.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/setup.ts'],
    // One Libervia backend and one oxps device per account for the whole run: files run one
    // after the other (tests inside a file are sequential anyway, each building on the last).
    fileParallelism: false,
    pool: 'forks',
    // libervia-cli takes ~0.75 s per command, connecting a profile several seconds.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    teardownTimeout: 120_000,
  },
});
