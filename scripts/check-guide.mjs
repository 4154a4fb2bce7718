// Keeps docs/guide.md from rotting: every fenced snippet in it must be, line
// for line (indentation aside), a region of a file of the app given, which
// scripts/check-template.sh has just made from this template, taught the
// guide's example (docs/guide/apply.sh), compiled, served and tested.
// Usage: node scripts/check-guide.mjs APP_FOLDER
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const app = process.argv[2];
if (!app) {
  console.error("usage: node scripts/check-guide.mjs APP_FOLDER");
  process.exit(2);
}

// The snippets: ```lang ... ``` blocks, each with the line it starts on.
const guide = readFileSync(join(root, "docs/guide.md"), "utf8").split("\n");
const snippets = [];
for (let i = 0; i < guide.length; i++) {
  if (!guide[i].startsWith("```") || guide[i] === "```") continue;
  const start = i + 1;
  while (guide[++i] !== "```") {
    if (i >= guide.length) throw new Error(`docs/guide.md:${start}: a snippet never closed`);
  }
  snippets.push({ line: start, lines: guide.slice(start, i).map((line) => line.trim()) });
}

// The app's own files, where the snippets must be (never its build output or npm's).
// docs/ holds the guide's files as they are before apply.sh copies them.
const skipped = new Set(["target", "node_modules", ".git", "data", "docs"]);
const sources = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skipped.has(name)) walk(path);
    } else if (/\.(rs|toml|sql|sh|ts)$/.test(name)) {
      sources.push({ path, lines: readFileSync(path, "utf8").split("\n").map((line) => line.trim()) });
    }
  }
})(app);

function foundIn(file, lines) {
  for (let at = 0; at + lines.length <= file.lines.length; at++) {
    if (lines.every((line, k) => file.lines[at + k] === line)) return true;
  }
  return false;
}

let missing = 0;
for (const snippet of snippets) {
  const file = sources.find((file) => foundIn(file, snippet.lines));
  if (file) {
    console.log(`ok: docs/guide.md:${snippet.line} is in ${relative(app, file.path)}`);
  } else {
    console.error(`docs/guide.md:${snippet.line}: this snippet is in no file of the app:\n  ${snippet.lines.join("\n  ")}`);
    missing++;
  }
}
if (snippets.length === 0) {
  console.error("docs/guide.md has no snippet: is it there?");
  process.exit(1);
}
if (missing) process.exit(1);
console.log(`${snippets.length} snippets of docs/guide.md, each a region of a file of ${app}`);
