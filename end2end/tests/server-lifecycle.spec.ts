// Tests that need a server of their own: a short session lifetime, restarts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { SERVER_BIN, startServer, TEST_PASSWORD_PEPPER, TEST_SESSION_PASSWORD } from "../server";
import { test, expect, PASSWORD, uniqueEmail, registerThroughForm, at } from "./fixtures";

test.describe("with a server of its own", () => {
  test.use({ expectedHttpErrors: [401] });

  test("an expired session sends the next protected navigation to /login", async ({ page }) => {
    const server = await startServer({ env: { SESSION_MAX_AGE: "5" } });
    try {
      await registerThroughForm(page, "Short Lived", uniqueEmail("expiry"), PASSWORD, server.baseURL);
      // Past the idle lifetime, with ample margin for a slow registration before it.
      await page.waitForTimeout(5_500);
      await page.getByRole("main").getByRole("link", { name: "Short Lived" }).first().click();
      await expect(page).toHaveURL(at("/login\\?redirect=/users/\\d+"));
    } finally {
      // Off the server's pages first: a request of the live page (a chunk, a
      // session check) to a stopped server would fail on the console.
      await page.goto("about:blank");
      await server.stop();
    }
  });

  test("a session survives a restart with the same key and not a change of key", async ({ page }) => {
    const data = mkdtempSync(join(tmpdir(), "sessions-e2e-restart-"));
    const first = await startServer({ dataDir: data });
    let second;
    let third;
    try {
      await registerThroughForm(page, "Survivor", uniqueEmail("restart"), PASSWORD, first.baseURL);
      // The list has loaded: no request of this page is still on its way to the server stopped next.
      await expect(page.getByRole("main").getByRole("link", { name: "Survivor" })).toBeVisible();
      await first.stop();

      second = await startServer({ dataDir: data });
      await page.goto(`${second.baseURL}/users`);
      await expect(page).toHaveURL(`${second.baseURL}/users`);
      await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Survivor");
      await second.stop();

      third = await startServer({
        dataDir: data,
        env: { SESSION_PASSWORD: `${TEST_SESSION_PASSWORD}-rotated` },
      });
      await page.goto(`${third.baseURL}/users`);
      await expect(page).toHaveURL(at("/login\\?redirect=/users"));
    } finally {
      await page.goto("about:blank");
      await third?.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});

test("a release server refuses to start without a proper SESSION_PASSWORD", async () => {
  for (const env of [{ SESSION_PASSWORD: "" }, { SESSION_PASSWORD: "too short" }]) {
    const run = spawnSync(SERVER_BIN, [], {
      env: { PATH: process.env.PATH ?? "", LEPTOS_SITE_ADDR: "127.0.0.1:0", ...env },
      cwd: tmpdir(),
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: SESSION_PASSWORD/);
  }
});

test("a release server that must verify emails refuses to start without a way to mail them", async () => {
  const data = mkdtempSync(join(tmpdir(), "sessions-e2e-"));
  const run = spawnSync(SERVER_BIN, [], {
    env: {
      PATH: process.env.PATH ?? "",
      LEPTOS_SITE_ADDR: "127.0.0.1:0",
      SESSION_PASSWORD: TEST_SESSION_PASSWORD,
      PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
      DATABASE_URL: `sqlite://${data}/app.db`,
      REQUIRE_VERIFIED_EMAIL: "true",
    },
    cwd: tmpdir(),
    encoding: "utf8",
    timeout: 10_000,
  });
  rmSync(data, { recursive: true, force: true });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("error: REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL");
});
