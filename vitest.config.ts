import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['server/test/**/*.test.ts', 'ui/test/**/*.test.ts'],
    // Integration tests share one PostgreSQL, Redis and a few fixed-port binaries;
    // a little parallelism is fine, the isolation comes from per-test databases.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
