/**
 * Compiling caller-supplied regular expressions with guards against catastrophic backtracking.
 *
 * JavaScript regexes cannot be interrupted, so a pattern is screened before use: bounded length,
 * flags limited to `imsu` (no stateful `g`/`y`), no backreferences, repetition counts ≤ 1000, and
 * star height ≤ 1 (no repeated group that itself contains a repetition, as in `(a+)+` or
 * `(?:x*y)*`), the shape behind most exponential blow-ups. This is the conservative heuristic of
 * the `safe-regex` family: it rejects some harmless patterns (`(?:ab+)+`) and does not catch
 * every slow one (a repeated alternation with overlapping branches such as `(a|a)*` passes), so
 * the input length is bounded as well (see `format.ts`).
 *
 * @module
 */

/** Largest {n} / {n,m} repetition count accepted. */
const MAX_REPETITION = 1000;

/** Thrown with a message for the caller; `format.ts` turns it into a CriterionParamsError. */
export class UnsafePatternError extends Error {
  override name = "UnsafePatternError";
}

/**
 * Compiles `pattern` with `flags` after the screening described above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileSafeRegex } from "./_safe_regex.ts";
 * assert.ok(compileSafeRegex("^\\d{3}-\\d{4}$", "", 200).test("555-1234"));
 * assert.throws(() => compileSafeRegex("(a+)+$", "", 200), /nested repetition/);
 * assert.throws(() => compileSafeRegex("(", "", 200), /invalid regular expression/);
 * ```
 */
export function compileSafeRegex(pattern: string, flags: string, maxPatternLength: number): RegExp {
  if (pattern.length > maxPatternLength) {
    throw new UnsafePatternError(
      `pattern is ${pattern.length} characters long; the limit is ${maxPatternLength}`,
    );
  }
  if (!/^[imsu]*$/.test(flags)) {
    throw new UnsafePatternError(`flags may only combine i, m, s and u, got "${flags}"`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags);
  } catch (error) {
    throw new UnsafePatternError(`invalid regular expression: ${(error as Error).message}`);
  }
  screenPattern(pattern);
  return regex;
}

interface GroupState {
  /** The group's content repeats something (a `*`, `+` or `{n,m}` with m > 1 inside it). */
  repeats: boolean;
}

/** Throws UnsafePatternError for backreferences, huge counts and nested repetition. */
function screenPattern(pattern: string): void {
  const stack: GroupState[] = [{ repeats: false }];
  /** Whether the atom just before the current position is a group that repeats inside. */
  let previousGroupRepeats = false;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && pattern[i + 2] === "<")) {
        throw new UnsafePatternError("backreferences are not allowed");
      }
      previousGroupRepeats = false;
      i += 2;
      continue;
    }
    if (char === "[") {
      i = skipClass(pattern, i);
      previousGroupRepeats = false;
      continue;
    }
    if (char === "(") {
      stack.push({ repeats: false });
      previousGroupRepeats = false;
      i++;
      if (pattern[i] === "?") i += pattern[i + 1] === "<" && /[=!]/.test(pattern[i + 2]) ? 3 : 2;
      continue;
    }
    if (char === ")") {
      const group = stack.pop()!;
      previousGroupRepeats = group.repeats;
      stack[stack.length - 1].repeats ||= group.repeats;
      i++;
      continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier) {
      if (quantifier.repeats) {
        if (previousGroupRepeats) {
          throw new UnsafePatternError(
            "nested repetition (a repeated group that repeats inside, as in (a+)+) can backtrack " +
              "exponentially; rewrite without the outer repetition",
          );
        }
        stack[stack.length - 1].repeats = true;
      }
      previousGroupRepeats = false;
      i = quantifier.end;
      if (pattern[i] === "?") i++; // lazy
      continue;
    }
    previousGroupRepeats = false;
    i++;
  }
}

/** Index just past the character class starting at `start` (`[`). */
function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "^") i++;
  if (pattern[i] === "]") i++; // a leading ] is literal in some dialects; harmless here
  while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** A quantifier at `i`: whether it repeats (allows more than one), and where it ends. */
function readQuantifier(pattern: string, i: number): { repeats: boolean; end: number } | undefined {
  const char = pattern[i];
  if (char === "*" || char === "+") return { repeats: true, end: i + 1 };
  if (char === "?") return { repeats: false, end: i + 1 };
  if (char !== "{") return undefined;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (!match) return undefined; // a literal brace (non-unicode mode)
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : match[3] === "" ? Infinity : Number(match[3]);
  if (low > MAX_REPETITION || (high !== Infinity && high > MAX_REPETITION)) {
    throw new UnsafePatternError(`repetition counts above ${MAX_REPETITION} are not allowed`);
  }
  return { repeats: high > 1, end: i + match[0].length };
}
