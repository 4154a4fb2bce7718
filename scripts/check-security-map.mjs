#!/usr/bin/env node
// Checks the map in SECURITY.md against the tests and against OWASP ASVS:
//
// - every level 1 and 2 requirement of the mapped chapters (the list in
//   scripts/security-map-requirements.json, taken from ASVS's own file) has
//   exactly one row, at its level, and no row names any other requirement;
// - every status is "met", "not applicable: why" or "not met: plan";
// - every test a row names exists: a Rust test in the list `cargo test`
//   gives, a browser test in the list Playwright gives;
// - a row that is "met" names a test, unless its requirement asks for
//   documentation (listed in the same file) and the row links the section of
//   SECURITY.md that answers it, and that section exists.
//
// The lists are read from files, or made by running the commands:
//
//   cargo test -- --list --include-ignored        (at the top level, stdout
//       and stderr together: the "Running ..." lines say which binary each
//       name belongs to; the same package selection and features as
//       scripts/test.sh's `cargo test`, so nothing is built again)
//   npx playwright test --list --reporter=list    (in end2end/)
//
// Usage: node scripts/check-security-map.mjs [--security FILE]
//          [--requirements FILE] [--cargo-list FILE]... [--playwright-list FILE]
// Exits 0 when the map holds, 1 listing every problem, 2 when it cannot check.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function usage(message) {
  console.error(`check-security-map: ${message}`);
  console.error(
    "usage: node scripts/check-security-map.mjs [--security FILE] [--requirements FILE] " +
      "[--cargo-list FILE]... [--playwright-list FILE]",
  );
  process.exit(2);
}

function parseArguments(argv) {
  const options = {
    security: path.join(ROOT, "SECURITY.md"),
    requirements: path.join(ROOT, "scripts", "security-map-requirements.json"),
    cargoLists: [],
    playwrightList: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case "--security":
        options.security = path.resolve(value);
        break;
      case "--requirements":
        options.requirements = path.resolve(value);
        break;
      case "--cargo-list":
        options.cargoLists.push(path.resolve(value));
        break;
      case "--playwright-list":
        options.playwrightList = path.resolve(value);
        break;
      default:
        usage(`unknown argument ${flag}`);
    }
    i++;
  }
  return options;
}

// ---- The lists of tests -------------------------------------------------

/** Runs `command args` in `cwd`, stdout and stderr into one text, in order. */
function run(command, args, cwd) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "security-map-")), "output.txt");
  const fd = fs.openSync(file, "w");
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  const output = fs.readFileSync(file, "utf8");
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (result.error || result.status !== 0) {
    console.error(output);
    const why = result.error ? result.error.message : `exit status ${result.status}`;
    console.error(`check-security-map: \`${command} ${args.join(" ")}\` in ${cwd} failed (${why})`);
    process.exit(2);
  }
  return output;
}

/**
 * The tests of `cargo test -- --list` output, by binary: a map from
 * "<binary name> <source>" (`integration tests/integration/main.rs`,
 * `app src/lib.rs`) to the set of test names.
 */
function parseCargoList(text) {
  const binaries = new Map();
  let current = null;
  // Without colour codes, should CARGO_TERM_COLOR=always be set.
  for (const line of text.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const running = line.match(/^\s*Running (?:unittests )?(\S+) \((.+)\)\s*$/);
    if (running) {
      const binary = path.basename(running[2]).replace(/-[0-9a-f]{16}(\.exe)?$/, "");
      current = `${binary} ${running[1]}`;
      if (!binaries.has(current)) binaries.set(current, new Set());
      continue;
    }
    if (/^\s*Doc-tests /.test(line)) {
      current = null;
      continue;
    }
    const test = line.match(/^(\S.*): (test|bench)$/);
    if (test && current) binaries.get(current).add(test[1]);
  }
  return binaries;
}

/** The tests of `npx playwright test --list`: "file › describe › title" keys. */
function parsePlaywrightList(text) {
  const tests = new Set();
  for (const line of text.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const listed = line.match(/^\s*\[[^\]]+\] › (.+?):\d+:\d+ › (.+?)\s*$/);
    if (listed) tests.add(`${listed[1]} › ${listed[2]}`);
  }
  return tests;
}

// ---- SECURITY.md ------------------------------------------------------

/** GitHub's anchor for a heading's text. */
function anchorOf(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\p{M}\- _]/gu, "")
    .replace(/ /g, "-");
}

function splitRow(line) {
  const cells = [];
  let cell = "";
  let inCode = false;
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && body[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (c === "`") {
      inCode = !inCode;
      cell += c;
    } else if (c === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

const HEADER = ["Id", "Requirement", "L", "Status", "How", "Tests"];

/** The map's rows and the document's anchors. */
function parseSecurity(text) {
  const lines = text.split("\n");
  const anchors = new Set();
  const rows = [];
  let inFence = false;
  let inTable = false;
  lines.forEach((line, index) => {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (inFence) return;
    const heading = line.match(/^#{1,6}\s+(.+?)\s*#*\s*$/);
    if (heading) anchors.add(anchorOf(heading[1]));
    if (!line.trim().startsWith("|")) {
      inTable = false;
      return;
    }
    const cells = splitRow(line);
    if (cells.length === HEADER.length && cells.every((cell, i) => cell === HEADER[i])) {
      inTable = true;
      return;
    }
    if (!inTable || cells.every((cell) => /^:?-+:?$/.test(cell))) return;
    rows.push({ line: index + 1, cells });
  });
  return { rows, anchors };
}

// ---- Test references ----------------------------------------------------

/** The Rust module path of a source file under `srcDir`: `backend::session::cookie`. */
function modulePath(relative) {
  const parts = relative.replace(/\.rs$/, "").split("/");
  const last = parts[parts.length - 1];
  if (last === "mod" || (parts.length === 1 && (last === "lib" || last === "main"))) parts.pop();
  return parts.join("::");
}

/** The names of the modules declared inline (`mod tests {`) in a source file. */
function inlineModules(file) {
  const source = fs.readFileSync(file, "utf8");
  return new Set([...source.matchAll(/^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{/gm)].map((m) => m[1]));
}

/** Whether `name` is `prefix::[inline modules of the file::]test`. */
function unitTestMatches(name, prefix, test, modules) {
  const start = prefix ? `${prefix}::` : "";
  if (!name.startsWith(start) || !name.endsWith(test)) return false;
  const middle = name.slice(start.length, name.length - test.length);
  if (middle === "") return true;
  if (!middle.endsWith("::")) return false;
  return middle
    .slice(0, -2)
    .split("::")
    .every((segment) => modules.has(segment));
}

function binariesNamed(cargo, binary, sources) {
  return [...cargo.entries()]
    .filter(([key]) => sources.some((source) => key === `${binary} ${source}`))
    .map(([, names]) => names);
}

/**
 * Checks one test reference; returns the problem, or null when the test
 * exists. `lists` holds the parsed lists.
 */
function checkReference(reference, lists) {
  const browser = reference.match(/^end2end\/tests\/(.+?\.ts) › (.+)$/);
  if (browser) {
    const key = `${browser[1]} › ${browser[2]}`;
    if (!fs.existsSync(path.join(ROOT, "end2end", "tests", browser[1]))) {
      return `${reference}: no file end2end/tests/${browser[1]}`;
    }
    return lists.playwright.has(key) ? null : `${reference}: not in Playwright's list of tests`;
  }
  const rust = reference.match(/^((server\/tests\/integration|app\/src|server\/src)\/(.+\.rs))::([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)$/);
  if (!rust) {
    return (
      `${reference}: not a test reference (server/tests/integration/<module>.rs::<test>, ` +
      "app/src/<path>.rs::<test>, server/src/<path>.rs::<test> or end2end/tests/<spec>.ts › <title>)"
    );
  }
  const [, file, base, relative, test] = rust;
  const onDisk = path.join(ROOT, file);
  if (!fs.existsSync(onDisk)) return `${reference}: no file ${file}`;
  if (base === "server/tests/integration") {
    const names = binariesNamed(lists.cargo, "integration", ["tests/integration/main.rs"]);
    if (names.length === 0) return `${reference}: the cargo test list has no integration test binary`;
    const expected = `${modulePath(relative)}::${test}`;
    return names.some((set) => set.has(expected)) ? null : `${reference}: no test ${expected} in the cargo test list`;
  }
  const crate = base === "app/src" ? "app" : "server";
  const names = binariesNamed(lists.cargo, crate, ["src/lib.rs", "src/main.rs"]);
  if (names.length === 0) return `${reference}: the cargo test list has no unit tests of ${crate}`;
  const prefix = modulePath(relative);
  const modules = inlineModules(onDisk);
  const found = names.some((set) => [...set].some((name) => unitTestMatches(name, prefix, test, modules)));
  return found ? null : `${reference}: no test ${prefix ? `${prefix}::` : ""}…${test} of ${file} in the cargo test list`;
}

// ---- The check ----------------------------------------------------------

function statusOf(text) {
  if (/^met\b/i.test(text) && !/^met\s*:/i.test(text)) return "met";
  const why = text.match(/^not applicable\s*:\s*(.*)$/i);
  if (why) return why[1].trim() ? "not applicable" : null;
  const plan = text.match(/^not met\s*:\s*(.*)$/i);
  if (plan) return plan[1].trim() ? "not met" : null;
  return null;
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  const requirements = JSON.parse(fs.readFileSync(options.requirements, "utf8"));
  const expected = new Map();
  for (const chapter of requirements.chapters) {
    for (const requirement of chapter.requirements) expected.set(requirement.id, { ...requirement, chapter: chapter.chapter });
  }
  const documentation = new Set(Object.keys(requirements.documentation));

  const cargoText = options.cargoLists.length
    ? options.cargoLists.map((file) => fs.readFileSync(file, "utf8")).join("\n")
    : run("cargo", ["test", "--", "--list", "--include-ignored"], ROOT);
  const playwrightText = options.playwrightList
    ? fs.readFileSync(options.playwrightList, "utf8")
    : run("npx", ["playwright", "test", "--list", "--reporter=list"], path.join(ROOT, "end2end"));
  const lists = { cargo: parseCargoList(cargoText), playwright: parsePlaywrightList(playwrightText) };
  const rustCount = [...lists.cargo.values()].reduce((sum, names) => sum + names.size, 0);
  if (rustCount === 0) usage("the cargo test list holds no tests");
  if (lists.playwright.size === 0) usage("the Playwright list holds no tests");

  const relative = path.relative(process.cwd(), options.security);
  const where = relative && !relative.startsWith("..") ? relative : options.security;
  const { rows, anchors } = parseSecurity(fs.readFileSync(options.security, "utf8"));
  const problems = [];
  const seen = new Map();
  const counts = { met: 0, "not applicable": 0, "not met": 0 };
  const perChapter = new Map();
  let references = 0;

  for (const { line, cells } of rows) {
    const at = `${where}:${line}`;
    if (cells.length !== HEADER.length) {
      problems.push(`${at}: a row of ${cells.length} cells, not ${HEADER.length}`);
      continue;
    }
    const [idCell, title, levelCell, statusCell, how, testsCell] = cells;
    const id = idCell.match(/^(?:v5\.0\.0-)?V?(\d+\.\d+\.\d+)$/)?.[1];
    if (!id) {
      problems.push(`${at}: "${idCell}" is not an ASVS 5.0.0 id (v5.0.0-<chapter>.<section>.<requirement>)`);
      continue;
    }
    const requirement = expected.get(id);
    if (!requirement) {
      problems.push(`${at}: ${idCell} is not a level 1 or 2 requirement of the mapped chapters`);
      continue;
    }
    if (seen.has(id)) problems.push(`${at}: ${idCell} has a row already, at line ${seen.get(id)}`);
    seen.set(id, line);
    perChapter.set(requirement.chapter, (perChapter.get(requirement.chapter) ?? 0) + 1);
    if (String(requirement.level) !== levelCell) {
      problems.push(`${at}: ${idCell} is level ${requirement.level} in ASVS, the row says ${levelCell}`);
    }
    if (!title) problems.push(`${at}: ${idCell} has no title`);
    const status = statusOf(statusCell);
    if (!status) {
      problems.push(`${at}: ${idCell}: status "${statusCell}" is none of "met", "not applicable: <why>", "not met: <plan>"`);
      continue;
    }
    // Not applicable says why in its status; the others say how.
    if (!how && status !== "not applicable") problems.push(`${at}: ${idCell} does not say how`);
    counts[status]++;

    const named = [...testsCell.matchAll(/`([^`]+)`/g)].map((match) => match[1].trim());
    const linked = [...testsCell.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    for (const reference of named) {
      references++;
      const problem = checkReference(reference, lists);
      if (problem) problems.push(`${at}: ${idCell}: ${problem}`);
    }
    for (const anchor of linked) {
      if (!anchors.has(anchor)) problems.push(`${at}: ${idCell}: links #${anchor}, which no heading of ${where} has`);
    }
    if (status === "met" && named.length === 0) {
      if (!documentation.has(id)) {
        problems.push(`${at}: ${idCell} is "met" but names no test`);
      } else if (linked.length === 0) {
        problems.push(`${at}: ${idCell} is "met" by documentation but links no section of ${where}`);
      }
    }
  }
  for (const [id, requirement] of expected) {
    if (!seen.has(id)) {
      problems.push(`${where}: v5.0.0-${id} (${requirement.section}, level ${requirement.level}) has no row`);
    }
  }

  if (problems.length) {
    console.error(`The security map in ${where} does not hold: ${problems.length} problem(s)`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  const chapters = requirements.chapters.map((chapter) => `${chapter.chapter} ${perChapter.get(chapter.chapter) ?? 0}`).join(", ");
  console.log(
    `The security map in ${where} holds: ${rows.length} requirements (${chapters}); ` +
      `${counts.met} met, ${counts["not applicable"]} not applicable, ${counts["not met"]} not met; ` +
      `${references} test references, each found among ${rustCount} Rust and ${lists.playwright.size} browser tests.`,
  );
}

main();
