/**
 * One onnxruntime session over a decoder in the Optimum layout (DESIGN.md): any exporter's
 * graph that keeps the contract. Sizes come from the graph's own input metadata, so the
 * session makes no assumption about the architecture behind it.
 */
import * as ort from "onnxruntime-node";
import { dropOutputs, graphOutputNames, usesExternalData } from "./onnx/drop_outputs.ts";

export interface DecoderLayout {
  layerCount: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  /** Some exports derive positions from the attention mask and take no position_ids. */
  takesPositionIds: boolean;
  /**
   * The graph also outputs new_key_values.{i}.key|value [B, H, S, hd] (the new tokens' K/V
   * alone): `forwardNew` can then skip fetching present.* (models/gpt/inference_graph.ts).
   */
  providesNewKeyValues: boolean;
}

/** KV cache of B sequences of equal length: present.{i}.key|value tensors [B, H, L, hd]. */
export interface KvCache {
  batchSize: number;
  length: number;
  keys: ort.Tensor[];
  values: ort.Tensor[];
}

export interface ForwardInput {
  batchSize: number;
  seqLength: number;
  inputIds: BigInt64Array;
  /** [B, past + S] 1 = attend. */
  attentionMask: BigInt64Array;
  /** [B, S]. */
  positionIds: BigInt64Array;
  past?: KvCache;
}

/** What `forwardNew` returns: logits [B, S, V] and per layer the new tokens' K/V [B, H, S, hd]. */
export interface ForwardNewResult {
  logits: Float32Array;
  newKeys: Float32Array[];
  newValues: Float32Array[];
}

export class DecoderLayoutError extends Error {
  override name = "DecoderLayoutError";
}

export class DecoderSession {
  /**
   * @param presentDropped the session runs the graph without its present.* outputs (see `load`):
   *   `forward` then builds present from past and new_key_values.
   */
  private constructor(
    readonly session: ort.InferenceSession,
    readonly layout: DecoderLayout,
    readonly presentDropped = false,
  ) {}

  /**
   * From an .onnx path or the file's bytes. A graph that outputs new_key_values.* for every
   * layer is loaded without its present.* outputs (unless its weights are in external files):
   * onnxruntime runs every node whatever is fetched, and each present output is a copy of the
   * whole cache, per layer and per decode step. `forward` returns the same present either way.
   *
   * Intra-op threads do not spin between runs unless `spinning`: on a few shared cores a
   * spinning pool thread takes the core that the engine's own JS (sampling, events), the HTTP
   * server and a colocated trainer need between decode steps.
   */
  static async load(
    source: string | Uint8Array,
    options: { threads?: number; spinning?: boolean } = {},
  ): Promise<DecoderSession> {
    const options_ = {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: "sequential" as const,
      extra: { session: { intra_op: { allow_spinning: options.spinning ? "1" : "0" } } },
    };
    const bytes = typeof source === "string" ? await Deno.readFile(source) : source;
    const pruned = withoutPresent(bytes);
    const session = pruned
      ? await ort.InferenceSession.create(pruned, options_)
      : typeof source === "string"
      ? await ort.InferenceSession.create(source, options_) // external data resolves next to the file
      : await ort.InferenceSession.create(source, options_);
    return new DecoderSession(session, readLayout(session), pruned !== undefined);
  }

  emptyCache(batchSize: number): KvCache {
    const { layerCount, kvHeads, headDim } = this.layout;
    const empty = () => new ort.Tensor("float32", new Float32Array(0), [batchSize, kvHeads, 0, headDim]);
    return {
      batchSize,
      length: 0,
      keys: Array.from({ length: layerCount }, empty),
      values: Array.from({ length: layerCount }, empty),
    };
  }

  /** Logits [B, S, V] of the new tokens and the cache extended by them. */
  async forward(input: ForwardInput): Promise<{ logits: Float32Array; present: KvCache }> {
    const { batchSize: B } = input;
    const past = input.past ?? this.emptyCache(B);
    const present: KvCache = { batchSize: B, length: past.length + input.seqLength, keys: [], values: [] };
    if (this.presentDropped) {
      const { logits, newKeys, newValues } = await this.#runNew(input, past);
      for (let i = 0; i < this.layout.layerCount; i++) {
        present.keys.push(this.#extended(past.keys[i], newKeys[i], B, past.length, input.seqLength));
        present.values.push(this.#extended(past.values[i], newValues[i], B, past.length, input.seqLength));
      }
      return { logits, present };
    }
    const out = await this.session.run(this.#feeds(input, past));
    for (let i = 0; i < this.layout.layerCount; i++) {
      present.keys.push(out[`present.${i}.key`] as ort.Tensor);
      present.values.push(out[`present.${i}.value`] as ort.Tensor);
    }
    return { logits: out.logits.data as Float32Array, present };
  }

  /** present = past [B, H, P, hd] followed by the new columns [B, H, S, hd] (what the graph's Concat makes). */
  #extended(past: ort.Tensor, added: Float32Array, B: number, P: number, S: number): ort.Tensor {
    const { kvHeads: H, headDim: hd } = this.layout;
    if (P === 0) return new ort.Tensor("float32", added, [B, H, S, hd]);
    const from = past.data as Float32Array;
    const data = new Float32Array(B * H * (P + S) * hd);
    for (let bh = 0; bh < B * H; bh++) {
      data.set(from.subarray(bh * P * hd, (bh + 1) * P * hd), bh * (P + S) * hd);
      data.set(added.subarray(bh * S * hd, (bh + 1) * S * hd), (bh * (P + S) + P) * hd);
    }
    return new ort.Tensor("float32", data, [B, H, P + S, hd]);
  }

  /**
   * Like `forward`, but fetches only logits and new_key_values.* (needs `providesNewKeyValues`):
   * onnxruntime copies every fetched output into JS memory, and present.* is the whole cache.
   */
  async forwardNew(input: ForwardInput & { past: KvCache }): Promise<ForwardNewResult> {
    if (!this.layout.providesNewKeyValues) {
      throw new DecoderLayoutError("decoder graph has no new_key_values outputs");
    }
    return await this.#runNew(input, input.past);
  }

  async #runNew(input: ForwardInput, past: KvCache): Promise<ForwardNewResult> {
    this.#newFetches ??= [
      "logits",
      ...Array.from({ length: this.layout.layerCount }, (_, i) => [
        `new_key_values.${i}.key`,
        `new_key_values.${i}.value`,
      ]).flat(),
    ];
    const out = await this.session.run(this.#feeds(input, past), this.#newFetches);
    const result: ForwardNewResult = { logits: out.logits.data as Float32Array, newKeys: [], newValues: [] };
    for (let i = 0; i < this.layout.layerCount; i++) {
      result.newKeys.push(out[`new_key_values.${i}.key`].data as Float32Array);
      result.newValues.push(out[`new_key_values.${i}.value`].data as Float32Array);
    }
    return result;
  }

  #newFetches: string[] | undefined;

  #feeds(input: ForwardInput, past: KvCache): Record<string, ort.Tensor> {
    const { batchSize: B, seqLength: S } = input;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", input.inputIds, [B, S]),
      attention_mask: new ort.Tensor("int64", input.attentionMask, [B, past.length + S]),
    };
    if (this.layout.takesPositionIds) {
      feeds.position_ids = new ort.Tensor("int64", input.positionIds, [B, S]);
    }
    for (let i = 0; i < this.layout.layerCount; i++) {
      feeds[`past_key_values.${i}.key`] = past.keys[i];
      feeds[`past_key_values.${i}.value`] = past.values[i];
    }
    return feeds;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The model without its present.* outputs, when it outputs new_key_values.* for each layer that
 * has a present output and keeps its weights inside the file; else undefined.
 */
function withoutPresent(model: Uint8Array): Uint8Array | undefined {
  let outputs: string[];
  try {
    outputs = graphOutputNames(model);
  } catch {
    return undefined; // not a readable model: let onnxruntime report it
  }
  const present = outputs.filter((name) => /^present\.\d+\.(key|value)$/.test(name));
  const covered = present.every((name) => outputs.includes(name.replace(/^present\./, "new_key_values.")));
  if (present.length === 0 || !covered || usesExternalData(model)) return undefined;
  return dropOutputs(model, (name) => present.includes(name));
}

function readLayout(session: ort.InferenceSession): DecoderLayout {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  for (const name of ["input_ids", "attention_mask"]) {
    if (!inputs.has(name)) throw new DecoderLayoutError(`decoder graph has no input "${name}"`);
  }
  let layerCount = 0;
  while (inputs.has(`past_key_values.${layerCount}.key`)) layerCount++;
  if (layerCount === 0) throw new DecoderLayoutError("decoder graph has no past_key_values inputs");
  const past = inputs.get("past_key_values.0.key")!;
  const logits = outputs.get("logits");
  if (!past.isTensor || !logits?.isTensor) throw new DecoderLayoutError("decoder graph lacks logits");
  const [, kvHeads, , headDim] = past.shape;
  const vocabSize = logits.shape[2];
  if (typeof kvHeads !== "number" || typeof headDim !== "number" || typeof vocabSize !== "number") {
    throw new DecoderLayoutError("decoder graph leaves KV heads, head size or vocabulary symbolic");
  }
  let providesNewKeyValues = true;
  for (let i = 0; i < layerCount && providesNewKeyValues; i++) {
    providesNewKeyValues = outputs.has(`new_key_values.${i}.key`) && outputs.has(`new_key_values.${i}.value`);
  }
  return {
    layerCount,
    kvHeads,
    headDim,
    vocabSize,
    takesPositionIds: inputs.has("position_ids"),
    providesNewKeyValues,
  };
}
