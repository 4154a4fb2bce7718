// `/login`'s own script, in place of the app's wasm (see `login.rs`): the
// page is the server's HTML, whose forms work without any script; this adds
// what needs one. Sign-in with a passkey (the button, and autofill in the
// email field's suggestions), and the login button's pending state.
//
// What it calls and what it says come from the page (`login.rs` writes them
// as data attributes from the Rust side's own constants): no endpoint and no
// message is written here. It decides by an error's `code`, never its words.

const page = document.querySelector("[data-login-path]").dataset;
const browserRefusals = JSON.parse(page.browserRefusals);
// None on a site with passkeys switched off (`PASSKEYS=false`).
const section = document.querySelector("section.passkey");
const button = section?.querySelector("button");
const note = section?.querySelector(".hint");
const credentialApi = window.PublicKeyCredential;

/** A refusal from the server: its body's `code` to decide by, its `error` to show. */
class Refusal extends Error {
  constructor({ code, error }) {
    super(error);
    this.code = code;
  }
}

/** The server out of reach, or an answer that is not the API's (a proxy's error page, say). */
const unreachable = () => new Refusal({ code: null, error: page.unavailable });

/** A browser's refusal (a `DOMException`, by name) in plain words; `null` for one this page caused. */
function inWords(error) {
  const name = error?.name;
  return typeof name === "string" && Object.hasOwn(browserRefusals, name) ? browserRefusals[name] : page.otherRefusal;
}

async function post(endpoint, fields = {}) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { Accept: "application/json" },
    body: new URLSearchParams(fields),
  }).catch(() => {
    throw unreachable();
  });
  const answer = await response.json().catch(() => null);
  if (response.ok && answer) return answer;
  // Every refusal of the API names itself by `code`; without one it is not the API's.
  throw answer?.code ? new Refusal(answer) : unreachable();
}

/**
 * Signs in with a passkey of this site; `autofill`: an AbortController for a
 * request that waits in the email field's suggestions. Then loads this page
 * again: the server sends a logged-in user where the login would have.
 */
async function signIn(autofill) {
  const { ceremony, options } = await post(page.optionsPath);
  const request = { publicKey: credentialApi.parseRequestOptionsFromJSON(options.publicKey) };
  if (autofill) Object.assign(request, { mediation: "conditional", signal: autofill.signal });
  const credential = await navigator.credentials.get(request);
  await post(page.signInPath, { ceremony, credential: JSON.stringify(credential.toJSON()) });
  location.replace(location.href);
}

/** The outcome below the button, in `role="alert"` (announced as it appears); none for `null`. */
function say(message) {
  section.querySelector(".passkey-problem")?.remove();
  if (!message) return;
  const alert = document.createElement("p");
  alert.setAttribute("role", "alert");
  alert.className = "passkey-problem";
  alert.textContent = message;
  button.after(alert);
}

const problemOf = (error) => (error instanceof Refusal ? error.message : inWords(error));

let waiting = null;
const busy = (target) => target.getAttribute("aria-disabled") === "true";

async function offerInAutofill() {
  if (!(await credentialApi.isConditionalMediationAvailable?.())) return;
  waiting = new AbortController();
  try {
    await signIn(waiting);
  } catch (error) {
    // Autofill asks nothing of the user until they pick a passkey: only the
    // server's answer about the one picked is worth saying.
    if (error instanceof Refusal) say(error.message);
  }
}

async function onPress() {
  if (busy(button)) return;
  // One request at a time: the button's replaces autofill's.
  waiting?.abort();
  button.setAttribute("aria-disabled", "true");
  say(null);
  try {
    await signIn(null);
  } catch (error) {
    say(problemOf(error));
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

// WebAuthn with the Level 3 JSON methods (Chrome 129, Firefox 119, Safari 18).
if (!section) {
  // Nothing to offer.
} else if (typeof credentialApi?.parseRequestOptionsFromJSON === "function") {
  note.remove();
  button.disabled = false;
  button.addEventListener("click", onPress);
  offerInAutofill();
} else {
  note.textContent = page.unsupported;
}

// A second press while the login is on its way posts nothing more (it would
// be a second attempt), until the next page comes, or for a while: a post the
// user stopped (Esc) leaves this page as it was, to be sent again.
const SENDING_MS = 15_000;
const login = [...document.forms].find((form) => form.getAttribute("action") === page.loginPath);
const submit = login.querySelector("button[type=submit]");
login.addEventListener("submit", (event) => {
  if (busy(submit)) {
    event.preventDefault();
    return;
  }
  submit.setAttribute("aria-disabled", "true");
  setTimeout(() => submit.removeAttribute("aria-disabled"), SENDING_MS);
});

// Lets styles and tests tell a live page from the server's HTML alone.
document.body.setAttribute("data-live", "");
