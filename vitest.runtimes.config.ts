import { defineConfig } from 'vitest/config'

// The cross-runtime suite (Bun, Deno, Chromium): its own `npm test` stage,
// run after the unit suites so nothing else competes for the CPU while it
// measures the page's main thread. Bun, Deno and the pages load dist/, which
// the second global setup rebuilds when the sources are newer.
export default defineConfig({
  test: {
    include: ['test/runtimes.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/cli/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    passWithNoTests: false,
  },
})
