// The js and wasm a first visit to each page downloads. The app's pages, from
// the built site (target/site/pkg): the js (the app's and the chunks' loader)
// and wasm every page runs, and for
// a page of the account area its chunk (every other wasm in the folder: the
// area is the app's one lazy route). /login, which runs a script of its own and no wasm, from
// the running server at BASE. Sizes gzip -9 and brotli as served (the .br
// written by precompress.mjs; /login's script as the server compresses it).
// Usage: node first-load.mjs DIR BASE
// Prints JSON: { "/login": { "gzip": n, "brotli": n, "files": [...] }, ... }.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const [dir, base] = process.argv.slice(2);
const names = readdirSync(dir);
const only = (pattern) => {
  const found = names.filter((name) => pattern.test(name));
  if (found.length !== 1) throw new Error(`expected one file like ${pattern} in ${dir}, found ${found.length}`);
  return found[0];
};

const everyPage = [only(/^app\.[\w-]+\.js$/), only(/^__wasm_split\.[\w-]+\.js$/), only(/^app\.[\w-]+\.wasm$/)];
const areaChunks = names.filter((name) => name.endsWith(".wasm") && !name.startsWith("app."));
const report = {};
for (const page of ["/", "/register", "/users", "/users/ID", "/account"]) {
  const files = page === "/account" ? [...everyPage, ...areaChunks] : everyPage;
  let gzip = 0;
  let brotli = 0;
  for (const file of files) {
    gzip += gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
    brotli += statSync(join(dir, `${file}.br`)).size;
  }
  report[page] = { gzip, brotli, files };
}

/** The body of `path` on the server, as sent for `encoding` ("identity" for none). */
const fetchRaw = (path, encoding) =>
  new Promise((resolve, reject) => {
    get(new URL(path, base), { headers: { "accept-encoding": encoding } }, (response) => {
      const parts = [];
      response.on("data", (part) => parts.push(part));
      response.on("end", () => resolve(Buffer.concat(parts)));
    }).on("error", reject);
  });

const loginPage = (await fetchRaw("/login", "identity")).toString();
const scripts = [...loginPage.matchAll(/<script type="module" src="([^"]+)"/g)].map((match) => match[1]);
// The page names the app's files only for its script to prefetch at idle
// (data-app-js, data-app-wasm); no link of its own loads them.
if (scripts.length !== 1 || /<link[^>]*\.wasm"/.test(loginPage)) {
  throw new Error("expected /login to link one script and no wasm");
}
const plain = await fetchRaw(scripts[0], "identity");
const brotli = await fetchRaw(scripts[0], "br");
report["/login"] = { gzip: gzipSync(plain, { level: 9 }).length, brotli: brotli.length, files: scripts };
console.log(JSON.stringify(report));
