// Debian's Chromium, as the browser tests (playwright.config.ts) and the
// journeys harness (journeys.mjs) launch it: this machine cannot download
// Playwright's own browsers.
export const DEBIAN_CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};
