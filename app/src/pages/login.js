// `/login`'s own script, in place of the app's wasm (see `login.rs`): the
// page is the server's HTML, whose forms work without any script; this adds
// what needs one. Sign-in with a passkey (the button, and autofill in the
// email field's suggestions), and the login button's pending state.

const section = document.querySelector("section.passkey");
const button = section.querySelector("button");
const note = section.querySelector(".hint");
const credentialApi = window.PublicKeyCredential;

/** A refusal from the server: its `{"error": ...}`, said as it is. */
class Refusal extends Error {}

/** A browser's refusal (a `DOMException`, by name) in plain words; nothing for one this page caused. */
function inWords(error) {
  switch (error?.name) {
    case "AbortError":
      return null;
    case "NotAllowedError":
      return "The passkey request was cancelled or took too long. Try again when you are ready.";
    case "SecurityError":
      return "Passkeys cannot be used at this address of the site.";
    default:
      return "The passkey request failed. Try again, or use your password.";
  }
}

async function post(endpoint, fields = {}) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { Accept: "application/json" },
    body: new URLSearchParams(fields),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Refusal(answer.error || "The server could not be reached. Try again.");
  return answer;
}

/**
 * Signs in with a passkey of this site; `autofill`: an AbortController for a
 * request that waits in the email field's suggestions. Then loads this page
 * again: the server sends a logged-in user where the login would have.
 */
async function signIn(autofill) {
  const { ceremony, options } = await post("/api/auth/passkey/login/options");
  const request = { publicKey: credentialApi.parseRequestOptionsFromJSON(options.publicKey) };
  if (autofill) Object.assign(request, { mediation: "conditional", signal: autofill.signal });
  const credential = await navigator.credentials.get(request);
  await post("/api/auth/passkey/login", { ceremony, credential: JSON.stringify(credential.toJSON()) });
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
if (typeof credentialApi?.parseRequestOptionsFromJSON === "function") {
  note.remove();
  button.disabled = false;
  button.addEventListener("click", onPress);
  offerInAutofill();
} else {
  note.textContent = "This browser cannot use passkeys.";
}

// A second press while the login is on its way posts nothing more (it would
// be a second attempt), until the next page comes, or for a while: a post the
// user stopped (Esc) leaves this page as it was, to be sent again.
const SENDING_MS = 15_000;
const login = document.querySelector("form[action$='/auth/login']");
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
