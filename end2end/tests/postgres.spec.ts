// Two app servers on one PostgreSQL, as behind a load balancer: a person
// registers on one, logs in on the other in a second browser, and "log out
// everywhere" on the first ends the second at once. Skipped (with a reason)
// where no PostgreSQL answers, except under CI=true, where that fails it (and
// no-skips.ts fails a CI run with any skipped test).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { startServer, type RunningServer } from "../server";
import { test, expect, uniqueEmail, live, registerThroughForm, loginThroughForm, at, expectBanner } from "./fixtures";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function psql(statement: string): boolean {
  try {
    execFileSync("psql", [ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", statement], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

test("a session ended on one server is ended on the other at once", async ({ browser }) => {
  const reachable = psql("SELECT 1");
  test.skip(!reachable && process.env.CI !== "true", `no PostgreSQL answers at ${ADMIN_URL} (through psql)`);
  expect(reachable, `PostgreSQL at ${ADMIN_URL} (through psql): CI=true, so this test cannot be skipped`).toBe(true);
  const database = `leptos_sessions_e2e_${randomBytes(8).toString("hex")}`;
  expect(psql(`CREATE DATABASE ${database}`)).toBe(true);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const servers: RunningServer[] = [];
  try {
    for (let n = 0; n < 2; n++) servers.push(await startServer({ env: { DATABASE_URL: url.toString() } }));
    const [a, b] = servers;
    const email = uniqueEmail("two-servers");
    const laptop = await (await browser.newContext()).newPage();
    const phone = await (await browser.newContext()).newPage();

    await registerThroughForm(laptop, "Two Servers", email, undefined, a.baseURL);
    await phone.goto(`${b.baseURL}/login`);
    await loginThroughForm(phone, email);
    await expect(phone).toHaveURL(at("/users"));
    await expect(phone.getByRole("navigation", { name: "Main" })).toContainText("Two Servers");

    await laptop.goto(`${a.baseURL}/account`);
    await live(laptop);
    await laptop.getByRole("button", { name: "Log out everywhere" }).click();
    await laptop.getByRole("button", { name: "Log out everywhere else" }).click();
    await expectBanner(laptop, "Every other session has been logged out.");

    await phone.goto(`${b.baseURL}/users`);
    await expect(phone).toHaveURL(at("/login\\?redirect=/users"));
    // The browser that asked keeps its session, on either server (cookies go
    // to a host whatever its port, as to servers behind one load balancer).
    await laptop.goto(`${b.baseURL}/users`);
    await expect(laptop).toHaveURL(at("/users"));
    await expect(laptop.getByRole("navigation", { name: "Main" })).toContainText("Two Servers");
  } finally {
    for (const server of servers) await server.stop();
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
});
