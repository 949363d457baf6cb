/**
 * Mermaid state diagrams drawn from the core's phase tables, so the
 * README's diagrams cannot drift from the code (`test/readme_test.ts`
 * fails when they do; `npm run generate` rewrites them).
 *
 * @module
 */

import { type PhaseEdge, SUPERVISOR_EDGES, WORKER_EDGES } from "./core/transitions.ts";

/**
 * A Mermaid `stateDiagram-v2` block for a list of phase edges.
 *
 * @param edges The edges, in drawing order.
 * @param options The initial phase and the final phases.
 * @returns The fenced Mermaid block.
 *
 * @example
 * ```ts
 * import { mermaid } from "./_diagram.ts";
 * console.log(mermaid([{ from: "a", to: "b", on: "go" }], { initial: "a", final: ["b"] }));
 * ```
 */
export function mermaid<Phase extends string>(
  edges: readonly PhaseEdge<Phase>[],
  options: { readonly initial: Phase; readonly final: readonly Phase[] },
): string {
  const lines = ["```mermaid", "stateDiagram-v2", `  [*] --> ${options.initial}`];
  for (const edge of edges) lines.push(`  ${edge.from} --> ${edge.to}: ${edge.on}`);
  for (const phase of options.final) lines.push(`  ${phase} --> [*]`);
  lines.push("```");
  return lines.join("\n");
}

/**
 * Both README diagrams: worker phases and supervisor phases.
 *
 * @returns Markdown with two Mermaid blocks.
 *
 * @example
 * ```ts
 * import { readmeDiagrams } from "./_diagram.ts";
 * console.log(readmeDiagrams().includes("stateDiagram-v2")); // true
 * ```
 */
export function readmeDiagrams(): string {
  return [
    "Worker phases:",
    "",
    mermaid(WORKER_EDGES, { initial: "starting", final: ["exited"] }),
    "",
    "Supervisor phases:",
    "",
    mermaid(SUPERVISOR_EDGES, { initial: "idle", final: ["stopped", "failed"] }),
  ].join("\n");
}
