import { defineConfig, devices } from "@playwright/test";
import { DEBIAN_CHROMIUM } from "./chromium.mjs";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // no-skips: a skipped test fails the run under CI=true (see its comment).
  reporter: [["list"], ["html", { open: "never" }], ["./no-skips.ts"]],
  use: {
    // baseURL: each test starts its own server (tests/fixtures.ts).
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], launchOptions: DEBIAN_CHROMIUM },
    },
  ],
});
