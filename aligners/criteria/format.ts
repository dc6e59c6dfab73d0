/**
 * `format`: whether a response matches a regular expression (verifiable criterion): 1 or 0.
 *
 * The pattern comes per request (`params.pattern`, with `params.flags` from `imsu`) or from the
 * configured default. Matching is a search (`RegExp.test`): anchor with `^…$` to require the whole
 * response to match. The pattern is screened and compiled by `_safe_regex.ts` (bounded length, no
 * backreferences, no nested repetition); an invalid or rejected pattern is a CriterionParamsError
 * on `pattern`. A response longer than `maxInputChars` scores 0 without being matched: too long to
 * verify counts as not verified.
 *
 * Partial scoring *(project choice)*: not supported, scores are NaN. Whether an arbitrary regex can
 * still match some completion of a prefix is not decidable cheaply with JavaScript regexes, and a
 * prefix's own 0/1 says little about the final response.
 *
 * @module
 */
import { z } from "zod";
import type { Criterion, ScoreOptions } from "./criterion.ts";
import { CriterionParamsError } from "./errors.ts";
import { parseParams } from "./params.ts";
import { compileSafeRegex, UnsafePatternError } from "./_safe_regex.ts";
import { notApplicable, scoreSync } from "./_scoring.ts";

/** Configuration of {@link createFormatCriterion}. */
export interface FormatCriterionConfig {
  /** Pattern used when a request gives none; without one, requests must give `pattern`. */
  defaultPattern?: string;
  /** Flags of the default pattern. */
  defaultFlags?: string;
  /** Longest accepted pattern, in characters. Default 512. */
  maxPatternLength?: number;
  /** Longest response matched, in characters; longer ones score 0. Default 20,000. */
  maxInputChars?: number;
}

/** Per-request parameters of `format`. */
export const formatParamsSchema = z.strictObject({
  /** JavaScript regular expression source, e.g. `^\\{[\\s\\S]*\\}$`. */
  pattern: z.string().optional(),
  /** Any of i (ignore case), m (multiline), s (dot matches newline), u (unicode). */
  flags: z.string().regex(/^[imsu]*$/, "may only combine i, m, s and u").optional(),
});

/**
 * Creates the `format` criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFormatCriterion } from "./format.ts";
 * const format = createFormatCriterion();
 * const scores = await format.score("Give a number", ["42", "forty-two"], { params: { pattern: "^\\d+$" } });
 * assert.deepEqual([...scores], [1, 0]);
 * ```
 */
export function createFormatCriterion(config: FormatCriterionConfig = {}): Criterion {
  const maxPatternLength = config.maxPatternLength ?? 512;
  const maxInputChars = config.maxInputChars ?? 20_000;
  const compile = (pattern: string, flags: string): RegExp => {
    try {
      return compileSafeRegex(pattern, flags, maxPatternLength);
    } catch (error) {
      if (error instanceof UnsafePatternError) {
        throw new CriterionParamsError("format", "pattern", error.message);
      }
      throw error;
    }
  };
  if (config.defaultPattern !== undefined) compile(config.defaultPattern, config.defaultFlags ?? "");
  return {
    name: "format",
    description: "Matches a regular expression (params: pattern, flags): 1 if it matches, 0 if not.",
    kind: "verifiable",
    supportsPartial: false,
    paramsSchema: formatParamsSchema,
    score(_prompt: string, candidates: readonly string[], options: ScoreOptions = {}): Promise<Float64Array> {
      return scoreSync(() => {
        const params = parseParams("format", formatParamsSchema, options.params);
        const pattern = params.pattern ?? config.defaultPattern;
        if (pattern === undefined) {
          throw new CriterionParamsError("format", "pattern", "required (no default pattern is configured)");
        }
        const regex = compile(
          pattern,
          params.pattern !== undefined ? params.flags ?? "" : params.flags ?? config.defaultFlags ?? "",
        );
        if (options.partial) return notApplicable(candidates.length);
        return Float64Array.from(candidates, (text) => {
          options.signal?.throwIfAborted();
          return text.length <= maxInputChars && regex.test(text) ? 1 : 0;
        });
      });
    },
  };
}
