// A real SMTP server for the browser tests (aiosmtpd, which scripts/test.sh
// installs), keeping what it receives in a maildir the tests read.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface SmtpServer {
  url: string;
  /** The first message whose subject contains `subject`, waiting up to 10 s for it. */
  mailAbout(subject: string): Promise<Mail>;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<SmtpServer> {
  const port = await freePort();
  const maildir = mkdtempSync(join(tmpdir(), "sessions-mail-"));
  const child = spawn(
    "python3",
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", join(maildir, "mail")],
    { stdio: "ignore" },
  );
  await listening(port);
  const delivered = async (): Promise<Mail[]> => {
    let names: string[] = [];
    try {
      names = readdirSync(join(maildir, "mail", "new"));
    } catch {
      return [];
    }
    return Promise.all(
      names.map(async (name) => {
        const parsed = await simpleParser(readFileSync(join(maildir, "mail", "new", name)));
        const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(", ") : (parsed.to?.text ?? "");
        return { to, subject: parsed.subject ?? "", text: parsed.text ?? "" };
      }),
    );
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    async mailAbout(subject: string) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = (await delivered()).find((mail) => mail.subject.includes(subject));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail about "${subject}"`);
        await new Promise((done) => setTimeout(done, 100));
      }
    },
    async stop() {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
      rmSync(maildir, { recursive: true, force: true });
    },
  };
}

/**
 * The link in `mail`'s text that goes to `path`, as a path and query. The
 * server (no PUBLIC_ORIGIN) writes `http://localhost:<port>` links, and the
 * tests browse `http://127.0.0.1:<port>`: another site to the browser, with
 * its own cookies. The origin is checked over HTTP in server/tests.
 */
export function linkTo(mail: Mail, path: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.includes(`${path}?token=`));
  if (!link) throw new Error(`no link to ${path} in: ${mail.text}`);
  const url = new URL(link);
  if (url.hostname !== "localhost") throw new Error(`a link to another site: ${link}`);
  return url.pathname + url.search;
}

/**
 * A port nothing listens on (for the moment), below the kernel's ephemeral
 * range (32768 and up on Linux): a process that asks for any port (port 0),
 * such as the identity provider started right after, is never handed it
 * before its user binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port between 20000 and 32000");
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function listening(port: number) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (connected) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("the SMTP server did not start");
}
