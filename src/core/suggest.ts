/**
 * "Did you mean" for misspelt names: the known name within two edits
 * (case-insensitive Levenshtein distance) of what was typed.
 *
 * @module
 */

/**
 * The known name closest to `value`, if one is within two edits.
 *
 * @param value What was typed.
 * @param known The valid names.
 * @returns The closest known name, or null.
 *
 * @example
 * ```ts
 * import { closestName } from "./suggest.ts";
 * console.log(closestName("redy", ["ready", "count"])); // "ready"
 * ```
 */
export function closestName(value: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
