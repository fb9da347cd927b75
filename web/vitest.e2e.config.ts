import { defineConfig } from "vitest/config";

// End-to-end tests: a real `guanxi serve` (SQLite, demo data) driven through Debian's
// Chromium by playwright-core. One file at a time: they share the server.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/server.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
