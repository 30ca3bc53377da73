import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['server/test/**/*.test.ts', 'ui/test/**/*.test.ts'],
    // The fault suite's short form runs on its own (npm run test:chaos, a step of .ci/run): it
    // starts its own PostgreSQL, Redis and Alertmanager per scenario and takes minutes.
    exclude: ['**/node_modules/**', 'server/test/chaos/**'],
    // Integration tests share one PostgreSQL, Redis and a few fixed-port binaries;
    // a little parallelism is fine, the isolation comes from per-test databases.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})
