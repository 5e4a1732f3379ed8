import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests open real sockets on 127.0.0.1; two cores run two files at a time.
    maxWorkers: 2,
  },
});
