// The js and wasm a first visit to each page downloads, from the built site
// (target/site/pkg): the main js and wasm and the chunk loader for every page,
// plus, for a page in a chunk of its own, the chunks the split manifest lists
// for it. Sizes gzip -9 and brotli as served (the .br written by
// precompress.mjs). Prints JSON: { "/login": { "gzip": n, "brotli": n, "files": [...] }, ... }.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = process.argv[2];
const names = readdirSync(dir);
const only = (pattern) => {
  const found = names.filter((name) => pattern.test(name));
  if (found.length !== 1) throw new Error(`expected one file like ${pattern} in ${dir}, found ${found.length}`);
  return found[0];
};

const everyPage = [only(/^app\.[\w-]+\.js$/), only(/^app\.[\w-]+\.wasm$/), only(/^__wasm_split\.[\w-]+\.js$/)];
const manifest = JSON.parse(readFileSync(join(dir, only(/^__wasm_split_manifest\.[\w-]+\.json$/)), "utf8"));
// Each page's lazy view, by the route name given in app/src/lib.rs (`lazy_page!`).
const pages = {
  "/login": null,
  "/register": "register_route",
  "/users": "users_route",
  "/users/ID": "user_route",
  "/account": "account_route",
};

const chunksOf = (route) => {
  const key = Object.keys(manifest).find((name) => name.startsWith(`__${route}_view_`));
  if (!key) throw new Error(`no chunk for ${route} in the split manifest`);
  return manifest[key].map((module) => `${module}.wasm`);
};

const report = {};
for (const [page, route] of Object.entries(pages)) {
  const files = route ? [...everyPage, ...chunksOf(route)] : everyPage;
  let gzip = 0;
  let brotli = 0;
  for (const file of files) {
    gzip += gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
    brotli += statSync(join(dir, `${file}.br`)).size;
  }
  report[page] = { gzip, brotli, files };
}
console.log(JSON.stringify(report));
