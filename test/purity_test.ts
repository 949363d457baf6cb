/**
 * The core is pure: `step(state, event, now)` reads no clock, draws no
 * randomness, arms no timer and touches no runtime. `src/core/tsconfig.json`
 * enforces most of that through types (ES-only `lib`, `types: []`); this test
 * rejects what types cannot: `Date.now`, `Math.random`, `new Date`,
 * `globalThis`, triple-slash references that would pull runtime types back in,
 * and imports from outside `src/core/`.
 *
 * Rules are regexes over the source with comments removed (so prose may name
 * what code may not use). The rules are tested on samples first, so a rule
 * that silently stopped matching fails here too.
 *
 * Runs on node (from `.build/test/`), `deno test` and `bun test` (from
 * `test/`), so the repo root is found by walking up to `package.json`.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** A forbidden construct: its name in reports and the regex that finds it. */
interface Rule {
  readonly name: string;
  readonly pattern: RegExp;
}

/** Forbidden in comment-free core source. */
const RULES: readonly Rule[] = [
  { name: "Date.now", pattern: /\bDate\s*\.\s*now\b/ },
  { name: "new Date", pattern: /\bnew\s+Date\b/ },
  { name: "Date() (reads the clock)", pattern: /(?<![.\w$])(?<!\bnew\s+)Date\s*\(/ },
  { name: "Math.random", pattern: /\bMath\s*\.\s*random\b/ },
  { name: "performance", pattern: /(?<![.\w$])performance\b/ },
  { name: "setTimeout", pattern: /(?<![.\w$])setTimeout\b/ },
  { name: "setInterval", pattern: /(?<![.\w$])setInterval\b/ },
  { name: "setImmediate", pattern: /(?<![.\w$])setImmediate\b/ },
  { name: "queueMicrotask", pattern: /(?<![.\w$])queueMicrotask\b/ },
  { name: "process.", pattern: /(?<![.\w$])process\s*(?:\.|\?\.|\[)/ },
  { name: "Deno.", pattern: /(?<![.\w$])Deno\s*(?:\.|\?\.|\[)/ },
  { name: "Bun.", pattern: /(?<![.\w$])Bun\s*(?:\.|\?\.|\[)/ },
  { name: "globalThis", pattern: /\bglobalThis\b/ },
  { name: "require()", pattern: /(?<![.\w$])require\s*\(/ },
];

/** File kinds that hold code; anything else in src/core/ (tsconfig.json, notes) is not scanned. */
const CODE_FILE = /\.(?:ts|mts|cts|tsx|js|mjs|cjs|jsx)$/;

/**
 * Remove comments, keep strings (import specifiers live in them) and keep
 * line breaks (so reported line numbers stay right). Template literals are
 * followed through `${...}` nesting. A `/` that starts a regex literal is
 * told from division by the previous significant character.
 */
function stripComments(source: string): string {
  let out = "";
  let i = 0;
  // Each entry: brace depth inside a `${` of an enclosing template literal.
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let lastSignificant = "";
  const n = source.length;
  const readQuoted = (quote: string): void => {
    out += source[i++];
    while (i < n && source[i] !== quote && source[i] !== "\n") {
      if (source[i] === "\\") out += source[i++];
      out += source[i++] ?? "";
    }
    if (i < n) out += source[i++];
  };
  const readTemplate = (): void => {
    // At a backtick or a `}` that closes a `${`: read to the next `${` or closing backtick.
    out += source[i++];
    while (i < n) {
      const c = source[i];
      if (c === "\\") {
        out += source[i++];
        out += source[i++] ?? "";
      } else if (c === "`") {
        out += source[i++];
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        out += "${";
        i += 2;
        templateDepths.push(braceDepth);
        braceDepth++;
        return;
      } else {
        out += source[i++];
      }
    }
  };
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, "");
      out += " ";
      i = stop;
    } else if (c === "'" || c === '"') {
      readQuoted(c);
      lastSignificant = c;
    } else if (c === "`") {
      readTemplate();
      lastSignificant = "`";
    } else if (c === "/" && (lastSignificant === "" || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant))) {
      // A regex literal: copy it whole so its contents are not read as comments.
      out += source[i++];
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const d = source[i] as string;
        if (d === "\\") {
          out += source[i++];
        } else if (d === "[") {
          inClass = true;
        } else if (d === "]") {
          inClass = false;
        } else if (d === "/" && !inClass) {
          break;
        }
        out += source[i++] ?? "";
      }
      if (i < n && source[i] === "/") out += source[i++];
      lastSignificant = "/x";
    } else {
      if (c === "{") braceDepth++;
      if (c === "}") {
        braceDepth--;
        if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth) {
          templateDepths.pop();
          readTemplate();
          lastSignificant = "`";
          continue;
        }
      }
      out += c;
      i++;
      if (!/\s/.test(c)) lastSignificant = c;
    }
  }
  return out;
}

/** Every module specifier a file names: static and dynamic imports, re-exports, `import x = require()`. */
function specifiers(code: string): { specifier: string | null; index: number }[] {
  const found: { specifier: string | null; index: number }[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]*)\1/g,
    /\bimport\s*(['"])([^'"]*)\1/g,
    /\bimport\s*\(\s*(['"])([^'"]*)\1\s*[,)]/g,
    /\brequire\s*\(\s*(['"])([^'"]*)\1\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) {
      found.push({ specifier: match[2] ?? "", index: match.index ?? 0 });
    }
  }
  // A dynamic import of a computed specifier cannot be checked, so it is refused.
  for (const match of code.matchAll(/\bimport\s*\(\s*(?!['"]\S*['"]\s*[,)])/g)) {
    found.push({ specifier: null, index: match.index ?? 0 });
  }
  return found;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/**
 * Every purity violation in one core file, as `path:line: what` strings.
 *
 * @param coreDir absolute path of `src/core/`
 * @param file absolute path of the file, inside `coreDir`
 * @param source the file's text
 * @returns one message per violation; empty when the file is pure
 */
function findViolations(coreDir: string, file: string, source: string): string[] {
  const shown = relative(resolve(coreDir, "..", ".."), file).split(sep).join("/");
  const problems: string[] = [];
  // Triple-slash directives are comments, so they are looked for before comments go.
  for (const match of source.matchAll(/^[ \t]*\/\/\/[ \t]*<reference\b[^\n]*/gm)) {
    problems.push(`${shown}:${lineOf(source, match.index ?? 0)}: triple-slash reference "${match[0].trim()}"`);
  }
  const code = stripComments(source);
  for (const rule of RULES) {
    const global = new RegExp(rule.pattern.source, "g");
    for (const match of code.matchAll(global)) {
      problems.push(`${shown}:${lineOf(code, match.index ?? 0)}: ${rule.name}`);
    }
  }
  for (const { specifier, index } of specifiers(code)) {
    const at = `${shown}:${lineOf(code, index)}`;
    if (specifier === null) {
      problems.push(`${at}: dynamic import of a computed specifier`);
    } else if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
      problems.push(`${at}: import of "${specifier}" (only relative imports inside src/core/)`);
    } else {
      const target = resolve(dirname(file), specifier);
      const inside = relative(coreDir, target);
      if (inside === "" || inside.startsWith("..") || resolve(coreDir, inside) !== target) {
        problems.push(`${at}: import of "${specifier}" resolves outside src/core/`);
      }
    }
  }
  return problems;
}

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "core"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`purity: no package.json with src/core/ above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listFiles(path));
    else files.push(path);
  }
  return files;
}

/** Checks a snippet as if it were `src/core/sample.ts` of a repo at `/repo`. */
function check(source: string): string[] {
  const coreDir = resolve("/repo/src/core");
  return findViolations(coreDir, join(coreDir, "sample.ts"), source);
}

test("findViolations() rejects each forbidden construct", () => {
  const samples: readonly [string, string][] = [
    ["const t = Date.now();", "Date.now"],
    ["const t = Date . now();", "Date.now"],
    ["const d = new Date();", "new Date"],
    ["const s = Date();", "Date() (reads the clock)"],
    ["const r = Math.random();", "Math.random"],
    ["const t = performance.now();", "performance"],
    ["setTimeout(f, 1);", "setTimeout"],
    ["setInterval(f, 1);", "setInterval"],
    ["setImmediate(f);", "setImmediate"],
    ["queueMicrotask(f);", "queueMicrotask"],
    ["const e = process.env;", "process."],
    ["const e = process?.env;", "process."],
    ["const e = process['env'];", "process."],
    ["Deno.exit(1);", "Deno."],
    ["Bun.spawn([]);", "Bun."],
    ["const g = globalThis;", "globalThis"],
    ["const fs = require('fs');", "require()"],
    ['import { x } from "../adapter.ts";', "outside src/core/"],
    ['import type { X } from "../../adapters/node.ts";', "outside src/core/"],
    ['export * from "../supervisor.ts";', "outside src/core/"],
    ['import {\n  a,\n  b,\n} from "node:fs";', 'import of "node:fs"'],
    ['import "./x.ts"; import "fast-check";', 'import of "fast-check"'],
    ['const m = await import("node:os");', 'import of "node:os"'],
    ["const m = await import(name);", "computed specifier"],
    ['/// <reference types="node" />\nexport {};', "triple-slash"],
    ["const s = `${a ? `${Date.now()}` : ''}`;", "Date.now"],
  ];
  for (const [source, expected] of samples) {
    const problems = check(source);
    assert.ok(
      problems.some((p) => p.includes(expected)),
      `expected ${JSON.stringify(source)} to be rejected for ${expected}, got ${JSON.stringify(problems)}`,
    );
  }
});

test("findViolations() accepts pure code that names forbidden things in comments and strings", () => {
  const source = [
    "// Date.now() and Math.random() are the driver's business; see setTimeout.",
    "/* process.env, Deno.env, Bun.env, globalThis, performance.now() */",
    "/** @example step(state, { type: 'timer', id: 1 }, Date.now()) */",
    'import type { State } from "./types.ts";',
    'import { next } from "./nested/prng.ts";',
    'export { step } from "./step.ts";',
    "const url = 'http://x/' + \"//not a comment\";",
    "const re = /\\/\\/ still code/g;",
    "const ratio = a / b / c; // Date.now",
    "const tpl = `a ${ { k: 1 }.k } // not a comment ${url}`;",
    "const rec = { performanceBudget: 1, processed: true, onsetTimeout: 2, state: s.process };",
    "export const at = (now: number): number => now + 1;",
  ].join("\n");
  assert.deepEqual(check(source), []);
});

test("findViolations() reports the file and line of a violation", () => {
  assert.deepEqual(check("export {};\n\nconst t = Date.now();\n"), ["src/core/sample.ts:3: Date.now"]);
});

test("src/core/ is pure: no clock, randomness, timers, runtime globals or outside imports", () => {
  const root = findRepoRoot();
  const coreDir = join(root, "src", "core");
  const files = listFiles(coreDir).filter((f) => CODE_FILE.test(f));
  assert.ok(files.length > 0, `no source files found in ${coreDir}`);
  const problems = files.flatMap((f) => findViolations(coreDir, f, readFileSync(f, "utf8")));
  assert.deepEqual(problems, [], `src/core/ must stay pure:\n  ${problems.join("\n  ")}`);
});
