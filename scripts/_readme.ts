/**
 * The README's generated sections: the CLI reference (the usage texts,
 * built from the flag tables in `src/cli/args.ts`), the config reference
 * (from `GROUP_OPTIONS` and `SUPERVISOR_OPTIONS` in `src/core/config.ts`),
 * the library example (`examples/library.ts`, which a test runs) and the
 * state diagrams (from `src/core/transitions.ts`). Each lives in
 * README.md between `<!-- name:start -->` and `<!-- name:end -->`;
 * `scripts/generate.ts` rewrites them and `test/readme_test.ts` fails when
 * one is stale.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { readmeDiagrams } from "../src/_diagram.ts";
import { CTL_HELP } from "../src/cli/ctl.ts";
import { RUN_HELP } from "../src/cli/run.ts";
import { GROUP_OPTIONS, MAX_DURATION_MS, type OptionRule, type OptionSpec, SUPERVISOR_OPTIONS } from "../src/core/config.ts";

/** The repository root, whether this runs from `scripts/` or from the build in `.build/scripts/`. */
const ROOT = new URL(import.meta.url.includes("/.build/") ? "../../" : "../", import.meta.url);

/** One generated README section. */
export interface ReadmeSection {
  /** The marker name: `<!-- name:start -->`. */
  readonly name: string;
  readonly text: string;
}

/**
 * Every generated section, in README order.
 *
 * @returns The sections with their current text.
 *
 * @example
 * ```ts
 * import { readmeSections } from "./_readme.ts";
 * console.log(readmeSections().map((section) => section.name)); // ["cli", "config", "library", "diagrams"]
 * ```
 */
export function readmeSections(): ReadmeSection[] {
  return [
    { name: "cli", text: cliReference() },
    { name: "config", text: configReference() },
    { name: "library", text: example("library.ts") },
    { name: "diagrams", text: readmeDiagrams() },
  ];
}

/**
 * The text between a section's markers in `readme`.
 *
 * @param readme The README's text.
 * @param name The section's marker name.
 * @returns The text, or null when the markers are missing.
 *
 * @example
 * ```ts
 * import { sectionOf } from "./_readme.ts";
 * console.log(sectionOf("<!-- cli:start -->\nx\n<!-- cli:end -->", "cli")); // "x"
 * ```
 */
export function sectionOf(readme: string, name: string): string | null {
  const match = markers(name).exec(readme);
  return match === null ? null : match[1]!;
}

/**
 * `readme` with every generated section replaced by its current text.
 *
 * @param readme The README's text.
 * @returns The new text.
 * @throws {Error} When a section's markers are missing, naming them.
 *
 * @example
 * ```ts
 * import { regenerate } from "./_readme.ts";
 * const fresh = regenerate(readFileSync("README.md", "utf8"));
 * ```
 */
export function regenerate(readme: string): string {
  let text = readme;
  for (const section of readmeSections()) {
    if (sectionOf(text, section.name) === null) throw new Error(`README.md has no <!-- ${section.name}:start --> ... <!-- ${section.name}:end --> block`);
    text = text.replace(markers(section.name), () => `<!-- ${section.name}:start -->\n${section.text}\n<!-- ${section.name}:end -->`);
  }
  return text;
}

/** An example file as a fenced block, without its module comment. */
function example(name: string): string {
  const source = readFileSync(new URL(`examples/${name}`, ROOT), "utf8").replace(/^\/\*\*[\s\S]*?\*\/\n\n/, "");
  return ["```ts", source.trimEnd(), "```"].join("\n");
}

function markers(name: string): RegExp {
  return new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n?<!-- ${name}:end -->`);
}

/**
 * The CLI reference: what `steward run --help` and `steward ctl --help` print.
 *
 * @returns Markdown with two fenced blocks.
 *
 * @example
 * ```ts
 * import { cliReference } from "./_readme.ts";
 * console.log(cliReference().includes("--workers")); // true
 * ```
 */
export function cliReference(): string {
  return ["`steward run --help`:", "", "```text", RUN_HELP, "```", "", "`steward ctl --help`:", "", "```text", CTL_HELP, "```"].join("\n");
}

/**
 * The config reference: one table of group options, one of supervisor options.
 *
 * @returns Markdown with two tables.
 *
 * @example
 * ```ts
 * import { configReference } from "./_readme.ts";
 * console.log(configReference().includes("`killTimeoutMs`")); // true
 * ```
 */
export function configReference(): string {
  return [
    "Each entry of `groups` (flags of `steward run` set the first group's):",
    "",
    optionTable(GROUP_OPTIONS),
    "",
    "Top level, beside `groups`:",
    "",
    optionTable(SUPERVISOR_OPTIONS),
  ].join("\n");
}

function optionTable(options: readonly OptionSpec[]): string {
  const rows = options.map((option) => `| \`${option.key}\` | ${cell(ruleText(option.rule))} | ${cell(defaultText(option.default))} | ${cell(option.doc)} |`);
  return ["| option | accepts | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** What a rule accepts, in words. Unknown kinds show their name, so a new rule never breaks the generator. */
function ruleText(rule: OptionRule): string {
  switch (rule.kind) {
    case "integer":
      return rule.max === MAX_DURATION_MS ? `ms, at least ${rule.min}` : `integer ${rule.min} to ${rule.max}`;
    case "number":
      return `number ${rule.min} to ${rule.max}`;
    case "enum":
      return rule.values.map((value) => `\`"${value}"\``).join(", ");
    case "string":
      return "string";
    case "argv":
      return "array of strings";
    case "env":
      return "object of strings";
    case "backoff":
      return "object";
    default:
      return (rule as { kind: string }).kind;
  }
}

function defaultText(value: unknown): string {
  if (value === undefined) return "required";
  if (value === null) return "none";
  if (typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? "`{}`" : `\`{ ${entries.map(([key, v]) => `${key}: ${JSON.stringify(v)}`).join(", ")} }\``;
  }
  return `\`${JSON.stringify(value)}\``;
}

/** A table cell: no raw pipes or newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
