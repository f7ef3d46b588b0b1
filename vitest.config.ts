import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI suites spawn dist/cli.js: rebuild dist/ first when the sources are newer.
    globalSetup: ['test/cli/global-setup.ts'],
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
