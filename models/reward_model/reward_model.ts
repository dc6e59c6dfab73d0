/**
 * Runtime of a sequence-classification ONNX model on onnxruntime-node: texts in, logits
 * [batch, labels] out. Inputs follow Hugging Face's exports: `input_ids` [batch, seq] (required),
 * `attention_mask` [batch, seq] (1 = token, 0 = padding), `token_type_ids` (zeros) and
 * `position_ids` (0..seq-1) when the graph has them, int64 or int32. The output is `logits`, or the
 * graph's only output.
 *
 * Candidates are batched with right padding (at most `maxBatchSize` rows per run). A graph without
 * `attention_mask` cannot ignore padding, so each text then runs alone. An input with no tokens at
 * all gets NaN logits. `session.run` blocks the calling thread's event loop while it computes
 * (DESIGN.md): call it from a worker when inputs are long.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { RewardModelLoadError, UnknownLabelError } from "./errors.ts";
import { readRewardModelFolder } from "./model_folder.ts";
import { SequenceEncoder, type TruncationSide } from "./sequence_encoder.ts";

/** Options of {@link RewardModel.load}. */
export interface RewardModelOptions {
  /** Intra-op threads of the session (default 1: serving shares 2 cores with the engine). */
  threads?: number;
  /** Rows per `session.run` (default 8). */
  maxBatchSize?: number;
  /** Overrides the maximum input length read from the folder. */
  maxLength?: number;
  /** Which side loses tokens when an input is too long (default "left", keeping the response). */
  truncationSide?: TruncationSide;
}

const SUPPORTED_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids", "position_ids"]);

type IndexType = "int64" | "int32";

/**
 * A loaded sequence classifier.
 *
 * @example
 * ```ts ignore
 * const model = await RewardModel.load("models/reward-deberta", { threads: 1 });
 * const scores = await model.scores(["Q: hi\nA: hello!"], model.labelIndex());
 * await model.release();
 * ```
 */
export class RewardModel {
  private constructor(
    readonly path: string,
    readonly session: ort.InferenceSession,
    readonly encoder: SequenceEncoder,
    /** Label names by index (`LABEL_k` when config.json names none). */
    readonly labels: readonly string[],
    readonly maxBatchSize: number,
    readonly inputTypes: ReadonlyMap<string, IndexType>,
    readonly outputName: string,
  ) {}

  /** Loads a model folder (see model_folder.ts for the files it reads). */
  static async load(path: string, options: RewardModelOptions = {}): Promise<RewardModel> {
    const folder = await readRewardModelFolder(path);
    const maxBatchSize = options.maxBatchSize ?? 8;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(folder.graphPath, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
      });
    } catch (error) {
      throw new RewardModelLoadError(
        `${path}: cannot load ${folder.graphPath}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    try {
      const inputTypes = readInputTypes(path, session);
      const output = session.outputMetadata.find((m) => m.name === "logits") ??
        (session.outputMetadata.length === 1 ? session.outputMetadata[0] : undefined);
      if (!output) throw new RewardModelLoadError(`${path}: the graph has no "logits" output`);
      const graphLabels = output.isTensor && typeof output.shape[1] === "number"
        ? output.shape[1]
        : undefined;
      const count = folder.labelCount ?? graphLabels;
      if (count === undefined) {
        throw new RewardModelLoadError(
          `${path}: neither config.json nor the graph gives the number of labels`,
        );
      }
      if (graphLabels !== undefined && graphLabels !== count) {
        throw new RewardModelLoadError(
          `${path}: config.json has ${count} labels, the graph's logits ${graphLabels}`,
        );
      }
      const labels = Array.from({ length: count }, (_, k) => folder.labels?.[k] ?? `LABEL_${k}`);
      const encoder = new SequenceEncoder(folder.tokenizerJson, {
        maxLength: options.maxLength ?? folder.maxLength,
        truncationSide: options.truncationSide,
        padToken: folder.padToken,
        padTokenId: folder.padTokenId,
      });
      return new RewardModel(path, session, encoder, labels, maxBatchSize, inputTypes, output.name);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /**
   * Index of a label: a number, a name from `id2label` (exact, then case-insensitive) or `LABEL_k`.
   * Without one: 0 for a single-logit model, "positive" (or else index 1) for a two-label model;
   * models with more labels need one named.
   */
  labelIndex(label?: string | number): number {
    const count = this.labels.length;
    if (typeof label === "number") {
      if (Number.isInteger(label) && label >= 0 && label < count) return label;
    } else if (label !== undefined) {
      const lower = label.toLowerCase();
      const found = [
        this.labels.indexOf(label),
        this.labels.findIndex((name) => name.toLowerCase() === lower),
      ]
        .find((index) => index >= 0);
      if (found !== undefined) return found;
      const numbered = /^label_(\d+)$/.exec(lower);
      if (numbered && Number(numbered[1]) < count) return Number(numbered[1]);
    } else if (count === 1) {
      return 0;
    } else if (count === 2) {
      const positive = this.labels.findIndex((name) => /^(positive|pos)$/i.test(name));
      return positive >= 0 ? positive : 1;
    }
    throw new UnknownLabelError(
      label === undefined
        ? `${this.path} has ${count} labels (${this.labels.join(", ")}): name the one to score`
        : `${this.path} has no label ${JSON.stringify(label)} (labels: ${this.labels.join(", ")})`,
      this.labels,
    );
  }

  /** Logits [texts.length, labels] row-major; rows of texts without tokens are NaN. */
  async logits(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const count = this.labels.length;
    const result = new Float32Array(texts.length * count).fill(NaN);
    const rowsPerRun = this.inputTypes.has("attention_mask") ? this.maxBatchSize : 1;
    for (let start = 0; start < texts.length; start += rowsPerRun) {
      options.signal?.throwIfAborted();
      const chunk = texts.slice(start, start + rowsPerRun);
      const batch = this.encoder.batch(chunk);
      if (batch.length === 0) continue;
      const shape = [batch.batchSize, batch.length];
      const positions = batch.rowLengths.flatMap(() => Array.from({ length: batch.length }, (_, t) => t));
      const values: Record<string, number[]> = {
        input_ids: batch.inputIds,
        attention_mask: batch.attentionMask,
        token_type_ids: new Array(batch.inputIds.length).fill(0),
        position_ids: positions,
      };
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, type] of this.inputTypes) feeds[name] = indexTensor(type, values[name], shape);
      const output = (await this.session.run(feeds))[this.outputName];
      const dims = output.dims;
      if (output.type !== "float32" || dims.length !== 2 || dims[0] !== chunk.length || dims[1] !== count) {
        throw new RewardModelLoadError(
          `${this.path}: expected float32 logits [${chunk.length}, ${count}], got ${output.type} [${dims}]`,
        );
      }
      const data = output.data as Float32Array;
      for (let row = 0; row < chunk.length; row++) {
        if (batch.rowLengths[row] === 0) continue;
        result.set(data.subarray(row * count, (row + 1) * count), (start + row) * count);
      }
    }
    return result;
  }

  /** The logit of label `labelIndex` for each text, as float64. */
  async scores(
    texts: readonly string[],
    labelIndex: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<Float64Array> {
    const count = this.labels.length;
    const logits = await this.logits(texts, options);
    return Float64Array.from({ length: texts.length }, (_, i) => logits[i * count + labelIndex]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function readInputTypes(path: string, session: ort.InferenceSession): Map<string, IndexType> {
  const types = new Map<string, IndexType>();
  for (const input of session.inputMetadata) {
    if (!SUPPORTED_INPUTS.has(input.name)) {
      throw new RewardModelLoadError(
        `${path}: unsupported graph input "${input.name}" (supported: ${[...SUPPORTED_INPUTS].join(", ")})`,
      );
    }
    const type = input.isTensor ? input.type : undefined;
    if (type !== "int64" && type !== "int32") {
      throw new RewardModelLoadError(
        `${path}: graph input "${input.name}" must be int64 or int32, not ${type}`,
      );
    }
    types.set(input.name, type);
  }
  if (!types.has("input_ids")) throw new RewardModelLoadError(`${path}: the graph has no "input_ids" input`);
  return types;
}

function indexTensor(type: IndexType, values: readonly number[], dims: number[]): ort.Tensor {
  return type === "int64"
    ? new ort.Tensor("int64", BigInt64Array.from(values, (v) => BigInt(v)), dims)
    : new ort.Tensor("int32", Int32Array.from(values), dims);
}
