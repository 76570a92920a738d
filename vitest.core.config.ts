import { defineConfig } from "vitest/config"

/**
 * The tests of the pure core only, for mutation testing (`npm run mutate`, stryker.config.json):
 * no redis-server, no loopback Discord, and property tests at a tenth of their runs, since every
 * mutant runs them again.
 */
export default defineConfig({
  test: {
    include: ["test/core/**/*.test.ts"],
    setupFiles: ["test/support/mutationSetup.ts"],
    env: { ASH_PROPERTY_RUNS_SCALE: "0.1" },
    testTimeout: 30_000,
  },
})
