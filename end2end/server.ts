// Starts the release server for the browser tests: a free port, a fresh SQLite
// database in a temporary folder, and a test session key.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
// The project's name and its server's package (the binary's name) from
// Cargo.toml's leptos metadata, as scripts/lib.sh reads them: an app made
// from this template has its own.
const CARGO_TOML = readFileSync(join(ROOT, "Cargo.toml"), "utf8");
const setting = (key: string) => new RegExp(`^${key} = "(.+)"$`, "m").exec(CARGO_TOML)![1];
const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? join(homedir(), `.cache/leptos-${setting("name")}/target`);
export const SERVER_BIN = process.env.SERVER_BIN ?? join(TARGET_DIR, "release", setting("bin-package"));
// The site's name as app/src/lib.rs has it (`site_name!`), in titles and mail.
export const SITE_NAME = /macro_rules! site_name \{\s*\(\) => \{\s*"(.+)"/.exec(
  readFileSync(join(ROOT, "app/src/lib.rs"), "utf8"),
)![1];
export const TEST_SESSION_PASSWORD = "end-to-end-session-password-0123456789abcdef";
export const TEST_PASSWORD_PEPPER = "end-to-end-password-pepper-0123456789abcdef";

export interface RunningServer {
  baseURL: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Reuse a database folder (to restart a server over the same data). */
  dataDir?: string;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "sessions-e2e-"));
  const child = spawn(SERVER_BIN, [], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LEPTOS_SITE_ADDR: "127.0.0.1:0",
      LEPTOS_SITE_ROOT: join(ROOT, "target/site"),
      DATABASE_URL: `sqlite://${dataDir}/app.db`,
      SESSION_PASSWORD: TEST_SESSION_PASSWORD,
      PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
      BCRYPT_COST: "4",
      // The server's library is `server`; its binary, which logs "listening
      // on", is named after the package (Cargo.toml's `bin-package`).
      RUST_LOG: `warn,server=info,${setting("bin-package").replaceAll("-", "_")}=info`,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const baseURL = await listeningAddress(child);
  return {
    baseURL,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for the server's "listening on http://..." log line. */
function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      // Stopped, not left running: no test would ever stop it.
      child.kill("SIGTERM");
      reject(new Error(`server did not start:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/[0-9.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
