// The development mailbox exists only in debug builds: the release build the
// browser tests run has no such page (the debug page is tested over HTTP in
// server/tests/integration/mail.rs).
import { test, expect } from "./fixtures";

test("a release build has no development mailbox", async ({ request }) => {
  const response = await request.get("/dev/mailbox");
  expect(response.status()).toBe(404);
  expect(await response.text()).not.toContain("Mailbox");
});
