import { defineConfig } from 'vitest/config'

/** The fault suite's short form (npm run test:chaos): bench/chaos scenarios with --quick sizes, one at a time. */
export default defineConfig({
  test: {
    include: ['server/test/chaos/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})
