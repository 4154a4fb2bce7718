#!/usr/bin/env node
// What a person waits for: whole journeys in Debian's Chromium against any
// server of the contract (this product, or the Nuxt original), so the first
// load of one page cannot hide what the next page costs.
//
//   node end2end/journeys.mjs [--runs N] [--profile plain|phone|both] [--json FILE] NAME=URL...
//
// Journeys, each in a fresh browser context (an empty cache):
//   register  /register, fill, Register, /users listed, open the first user
//   login     /login, fill, Login, /users listed, open the first user
//   reload    logged in (the cookie set through the API), a cold load of /users
//
// For each: requests, bytes as sent (bodies as encoded on the wire, and
// headers), the js and wasm among them, and milliseconds from the first
// navigation until the last page shows its content and its last request has
// ended.
//
// Between steps the person acts once the page is quiet: no request in flight
// for 500 ms, counted by this script for every kind of navigation alike.
// (Playwright's `networkidle` is a state of the document: after a navigation
// inside a single-page app it is long reached and answers at once, while
// after a page load it waits its 500 ms, so a journey through page loads
// paid waits that one through in-app navigations did not. `--idle
// playwright` measures that way, as the sittings before 2026-12-07 did.)
// The phone profile is DevTools' "Fast 3G" (562.5 ms round trip, 180 KB/s
// down, 84 KB/s up) with the CPU slowed 4x. Servers take turns, run by run,
// so that a noisy moment of the machine falls on both; medians are printed.
import { chromium, request as apiRequest } from "playwright-core";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { DEBIAN_CHROMIUM } from "./chromium.mjs";

const PHONE = { latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375, cpuSlowdown: 4 };
const PASSWORD = "correct horse battery";
const WAIT = { timeout: 120_000 };
const QUIET_MS = 500;

function parseArguments(argv) {
  const options = { runs: 3, profiles: ["plain", "phone"], json: null, idle: "requests", servers: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--runs") options.runs = Number(argv[++i]);
    else if (arg === "--profile") options.profiles = argv[++i] === "both" ? ["plain", "phone"] : [argv[i]];
    else if (arg === "--json") options.json = argv[++i];
    else if (arg === "--idle" && ["requests", "playwright"].includes(argv[i + 1])) options.idle = argv[++i];
    else if (arg.includes("=")) {
      const [name, url] = arg.split(/=(.*)/s);
      const base = url.replace(/\/+$/, "");
      if (!["127.0.0.1", "localhost"].includes(new URL(base).hostname)) {
        throw new Error(`${name}: loopback servers only (${base})`);
      }
      options.servers.push({ name, base });
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.servers.length || !(options.runs >= 1)) {
    throw new Error(
      "usage: journeys.mjs [--runs N] [--profile plain|phone|both] [--idle requests|playwright] [--json FILE] NAME=URL...",
    );
  }
  return options;
}

const token = () => randomBytes(6).toString("hex");
const newEmail = () => `journey-${token()}@example.test`;

/** Registers through the API; the cookies of the new session, for a context. */
async function registered(base, name, email) {
  const api = await apiRequest.newContext({ baseURL: base, ignoreHTTPSErrors: true });
  const response = await api.post("/api/register", {
    form: { name, email, password: PASSWORD },
    headers: { Origin: base, Accept: "application/json" },
  });
  if (!response.ok()) throw new Error(`${base}: registering answered ${response.status()}`);
  const state = await api.storageState();
  await api.dispose();
  return state;
}

async function usersListed(page) {
  await page.waitForURL((url) => url.pathname.replace(/\/$/, "") === "/users", WAIT);
  await page.locator('a[href^="/users/"]').first().waitFor(WAIT);
}

/**
 * Waits until the page is quiet (see the top): by the requests this script
 * saw start and end, or by Playwright's `networkidle`. Resolves to the time
 * (`performance.now()`) the last request ended.
 */
function quietness(page, idle) {
  const inFlight = new Set();
  let lastEnded = performance.now();
  page.on("request", (request) => inFlight.add(request));
  const ended = (request) => {
    if (inFlight.delete(request)) lastEnded = performance.now();
  };
  page.on("requestfinished", ended);
  page.on("requestfailed", ended);
  return async () => {
    if (idle === "playwright") {
      await page.waitForLoadState("networkidle", WAIT);
      return performance.now();
    }
    const deadline = performance.now() + WAIT.timeout;
    while (inFlight.size > 0 || performance.now() - lastEnded < QUIET_MS) {
      if (performance.now() > deadline) throw new Error(`still ${inFlight.size} request(s) in flight`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return lastEnded;
  };
}

async function firstUserOpened(page, quiet) {
  await quiet();
  await page.locator('a[href^="/users/"]').first().click();
  await page.waitForURL(/\/users\/\d+/, WAIT);
  await page.getByRole("heading").first().waitFor(WAIT);
}

const JOURNEYS = {
  async register(page, { quiet }) {
    await page.goto("/register");
    await quiet();
    await page.fill("#name", `Journey ${token()}`);
    await page.fill("#email", newEmail());
    await page.fill("#password", PASSWORD);
    await page.getByRole("button", { name: "Register", exact: true }).click();
    await usersListed(page);
    await firstUserOpened(page, quiet);
  },
  async login(page, { email, quiet }) {
    await page.goto("/login");
    await quiet();
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.getByRole("button", { name: "Login", exact: true }).click();
    await usersListed(page);
    await firstUserOpened(page, quiet);
  },
  async reload(page) {
    await page.goto("/users");
    await usersListed(page);
  },
};

/** One journey in a fresh context: its requests, bytes and milliseconds. */
async function measure(browser, server, journey, profile, idle) {
  const email = newEmail();
  const seeded = await registered(server.base, `Journey ${token()}`, email);
  const context = await browser.newContext({
    baseURL: server.base,
    storageState: journey === "reload" ? seeded : undefined,
  });
  const page = await context.newPage();
  if (profile === "phone") {
    const devtools = await context.newCDPSession(page);
    await devtools.send("Network.enable");
    await devtools.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: PHONE.latency,
      downloadThroughput: PHONE.downloadThroughput,
      uploadThroughput: PHONE.uploadThroughput,
    });
    await devtools.send("Emulation.setCPUThrottlingRate", { rate: PHONE.cpuSlowdown });
  }
  const tally = { requests: 0, bytes: 0, code_bytes: 0, code_requests: 0 };
  const sizing = [];
  page.on("requestfinished", (request) => {
    sizing.push(
      request.sizes().then((sizes) => {
        tally.requests += 1;
        tally.bytes += sizes.responseBodySize + sizes.responseHeadersSize;
        if (request.resourceType() === "script" || /\.(m?js|wasm)(\?|$)/.test(request.url())) {
          tally.code_requests += 1;
          tally.code_bytes += sizes.responseBodySize;
        }
      }, () => {}),
    );
  });
  const quiet = quietness(page, idle);
  const started = performance.now();
  await JOURNEYS[journey](page, { email, quiet });
  const shown = performance.now();
  const ms = Math.round(Math.max(shown, await quiet()) - started);
  await Promise.all(sizing);
  await context.close();
  return { server: server.name, profile, journey, ms, ...tally };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
};

const options = parseArguments(process.argv.slice(2));
const browser = await chromium.launch({
  ...DEBIAN_CHROMIUM,
  args: [
    ...DEBIAN_CHROMIUM.args,
    // A server behind TLS in a sitting has a certificate made for it, trusted
    // by its key's hash: as a valid one, so the browser caches what it sends
    // (it caches nothing from a site whose certificate it merely ignores).
    ...(process.env.JOURNEY_TRUSTED_SPKI
      ? [`--ignore-certificate-errors-spki-list=${process.env.JOURNEY_TRUSTED_SPKI}`]
      : []),
  ],
});
const rows = [];
try {
  for (let run = 1; run <= options.runs; run++) {
    for (const profile of options.profiles) {
      for (const journey of Object.keys(JOURNEYS)) {
        for (const server of options.servers) {
          const row = { run, ...(await measure(browser, server, journey, profile, options.idle)) };
          rows.push(row);
          console.log(
            `run ${run} ${profile.padEnd(5)} ${journey.padEnd(8)} ${server.name.padEnd(8)} ` +
              `${String(row.ms).padStart(6)} ms ${String(row.requests).padStart(3)} requests ` +
              `${(row.bytes / 1024).toFixed(1).padStart(7)} KiB, code ${(row.code_bytes / 1024).toFixed(1)} KiB in ${row.code_requests}`,
          );
        }
      }
    }
  }
} finally {
  await browser.close();
}

const summary = [];
for (const profile of options.profiles) {
  for (const journey of Object.keys(JOURNEYS)) {
    for (const server of options.servers) {
      const mine = rows.filter((row) => row.profile === profile && row.journey === journey && row.server === server.name);
      summary.push({
        profile,
        journey,
        server: server.name,
        ms: median(mine.map((row) => row.ms)),
        requests: median(mine.map((row) => row.requests)),
        bytes: median(mine.map((row) => row.bytes)),
        code_bytes: median(mine.map((row) => row.code_bytes)),
        code_requests: median(mine.map((row) => row.code_requests)),
      });
    }
  }
}
console.log(`\nMedians of ${options.runs} run(s):`);
console.log("profile  journey   server       ms  requests      KiB  code KiB  code requests");
for (const row of summary) {
  console.log(
    `${row.profile.padEnd(8)} ${row.journey.padEnd(9)} ${row.server.padEnd(8)} ${String(row.ms).padStart(6)} ` +
      `${String(row.requests).padStart(9)} ${(row.bytes / 1024).toFixed(1).padStart(8)} ` +
      `${(row.code_bytes / 1024).toFixed(1).padStart(9)} ${String(row.code_requests).padStart(14)}`,
  );
}
if (options.json) {
  const document = {
    measured_at: new Date().toISOString(),
    runs: options.runs,
    idle: options.idle,
    phone: PHONE,
    summary,
    rows,
  };
  writeFileSync(options.json, JSON.stringify(document, null, 2) + "\n");
  console.log(`\nWritten to ${options.json}`);
}
