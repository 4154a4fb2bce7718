// Draws the benchmark's figures beside the Nuxt original's as an SVG: one row
// per measure, two bars scaled to the larger of the pair, and how many times
// better (or worse) this product is. Hand-written: a dozen rectangles do not
// need a charting library.
//
//   node scripts/chart.mjs target/bench.json docs/bench/nuxt.json > chart.svg
import { readFileSync } from "node:fs";

const [ours, nuxt] = process.argv.slice(2, 4).map((path) => JSON.parse(readFileSync(path, "utf8")));

// [label, unit, pick, higher is better]
const measures = [
  ["GET /api/users, logged in", "req/s", (f) => f.api_users.req_per_s, true],
  ["GET /users page (SSR), logged in", "req/s", (f) => f.page_users.req_per_s, true],
  ["GET /login page (SSR)", "req/s", (f) => f.page_login.req_per_s, true],
  ["p99 of GET /api/users during logins", "ms", (f) => f.api_users_during_logins.p99_ms, false],
  ["Memory after load (RSS)", "MiB", (f) => f.rss_after_load_mib, false],
  ["Start to first 200", "ms", (f) => f.start_to_first_200_ms, false],
  ["JS + wasm for /login, gzip -9", "KB", (f) => f.first_load_bytes["/login"].gzip / 1000, false],
];

const width = 760;
const labelWidth = 270;
const barWidth = width - labelWidth - 175;
const rowHeight = 58;
const top = 56;
const height = top + measures.length * rowHeight;
const number = (value) => (value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(1));
const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

const rows = measures.map(([label, unit, pick, higherIsBetter], index) => {
  const [mine, theirs] = [pick(ours), pick(nuxt)];
  const longest = Math.max(mine, theirs);
  const y = top + index * rowHeight;
  const times = higherIsBetter ? mine / theirs : theirs / mine;
  const verdict = times >= 1 ? `${number(times)}× better` : `${number(1 / times)}× worse`;
  const bar = (value, dy, fill, who) => {
    const w = Math.max(1, (value / longest) * barWidth);
    return `<rect x="${labelWidth}" y="${y + dy}" width="${w.toFixed(1)}" height="16" fill="${fill}"/>
  <text x="${labelWidth + w + 6}" y="${y + dy + 12}" class="value">${number(value)} ${unit} (${who})</text>`;
  };
  return `<text x="0" y="${y + 13}" class="label">${escape(label)}</text>
  <text x="0" y="${y + 31}" class="verdict ${times >= 1 ? "better" : "worse"}">${verdict}</text>
  ${bar(mine, 0, "#1d70b8", "this product")}
  ${bar(theirs, 19, "#b1b4b6", "Nuxt")}`;
});

console.log(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<style>.title{font-size:16px;font-weight:bold}.note,.value{font-size:11px;fill:#333}.label{font-size:13px}.verdict{font-size:12px;font-weight:bold}.better{fill:#00703c}.worse{fill:#d4351c}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="0" y="20" class="title">This product against the Nuxt original, ${escape(ours.cores + " cores")}</text>
<text x="0" y="38" class="note">This product: ${escape(ours.date)}, scripts/bench.sh. Nuxt: docs/bench/nuxt.json. Only ratios from one sitting compare.</text>
${rows.join("\n")}
</svg>`);
