/**
 * The named criteria a server offers: built-ins plus any bring-your-own reward models.
 *
 * @module
 */
import { createCivilityCriterion } from "./civility.ts";
import type { Criterion, CriterionInfo } from "./criterion.ts";
import { CriterionError, UnknownCriterionError } from "./errors.ts";
import { createFormatCriterion, type FormatCriterionConfig } from "./format.ts";
import { createLengthCriterion, type LengthCriterionConfig } from "./length.ts";
import { createSentimentCriterion } from "./sentiment.ts";

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Criteria by name, in registration order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLengthCriterion } from "./length.ts";
 * import { CriterionRegistry } from "./registry.ts";
 * const registry = new CriterionRegistry([createLengthCriterion()]);
 * assert.equal(registry.get("length").kind, "verifiable");
 * assert.throws(() => registry.get("lenght"), /unknown criterion "lenght" \(valid: length\)/);
 * ```
 */
export class CriterionRegistry {
  readonly #criteria = new Map<string, Criterion>();

  constructor(criteria: Iterable<Criterion> = []) {
    for (const criterion of criteria) this.register(criterion);
  }

  /** Adds a criterion. Names are lower-case identifiers (`[a-z][a-z0-9_]*`) and must be unique. */
  register(criterion: Criterion): this {
    if (!NAME.test(criterion.name)) {
      throw new CriterionError(`criterion name "${criterion.name}" must match ${NAME.source}`);
    }
    if (this.#criteria.has(criterion.name)) {
      throw new CriterionError(`criterion "${criterion.name}" is already registered`);
    }
    this.#criteria.set(criterion.name, criterion);
    return this;
  }

  /** The criterion called `name`; throws {@link UnknownCriterionError} listing the valid names. */
  get(name: string): Criterion {
    const criterion = this.#criteria.get(name);
    if (!criterion) throw new UnknownCriterionError(name, this.names());
    return criterion;
  }

  has(name: string): boolean {
    return this.#criteria.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#criteria.keys()];
  }

  /** Name, description, kind and partial support of every criterion (e.g. for a `/v1/criteria` listing). */
  list(): CriterionInfo[] {
    return [...this.#criteria.values()].map(({ name, description, kind, supportsPartial }) => ({
      name,
      description,
      kind,
      supportsPartial,
    }));
  }
}

/** Configuration of the built-in criteria. */
export interface BuiltinCriteriaConfig {
  length?: LengthCriterionConfig;
  format?: FormatCriterionConfig;
}

/**
 * The built-in criteria: `length`, `format`, `sentiment`, `civility`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CriterionRegistry, createBuiltinCriteria } from "./registry.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria({ length: { defaultTarget: 40 } }));
 * assert.deepEqual(registry.names(), ["length", "format", "sentiment", "civility"]);
 * ```
 */
export function createBuiltinCriteria(config: BuiltinCriteriaConfig = {}): Criterion[] {
  return [
    createLengthCriterion(config.length),
    createFormatCriterion(config.format),
    createSentimentCriterion(),
    createCivilityCriterion(),
  ];
}
