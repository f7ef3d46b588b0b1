import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bun, Deno and Chromium: a stage of its own (vitest.runtimes.config.ts).
    exclude: ['test/runtimes.test.ts', '**/node_modules/**'],
    // First the embedded worker script (ts/generated/worker-source.ts), then dist/
    // (the CLI suites spawn dist/cli.js) when the sources are newer than it.
    globalSetup: ['test/global-setup.ts', 'test/cli/global-setup.ts'],
    // Training tests run real GAN steps on 2 cores: give them room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file in its own process, so a trapped or leaking wasm instance
    // cannot affect another suite.
    pool: 'forks',
    // An empty run is a failure: a glob that matches nothing must not look green.
    passWithNoTests: false,
  },
})
