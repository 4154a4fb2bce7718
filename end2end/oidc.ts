// A real OpenID Provider for the browser tests (oidc/provider.mjs, npm's
// oidc-provider), sending users back to the given redirect URIs.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const CLIENT_ID = "sessions-e2e";
const CLIENT_SECRET = "a-client-secret-for-the-browser-tests-0123456789";

export interface IdentityProvider {
  issuer: string;
  /** The app's configuration for this provider under `id`. */
  env(id: string, label: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startProvider(redirectUris: string[]): Promise<IdentityProvider> {
  const options = { port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris };
  const child = spawn("node", [join(__dirname, "oidc", "provider.mjs"), JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening (http:\/\/[0-9.:]+)/);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the provider exited with ${code}: ${output}`)));
  });
  return {
    issuer,
    env: (id, label) => ({
      [`OIDC_${id}_ISSUER`]: issuer,
      [`OIDC_${id}_CLIENT_ID`]: CLIENT_ID,
      [`OIDC_${id}_CLIENT_SECRET`]: CLIENT_SECRET,
      [`OIDC_${id}_LABEL`]: label,
    }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
