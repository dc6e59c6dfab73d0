/**
 * Test fixture: small random-weight GPT model folders in the Optimum layout, written with the
 * project's graph builder and a byte-level BPE tokenizer trained on a few sentences.
 *
 * @module
 */
import { join } from "node:path";
import { DecoderSession } from "../decoder_session.ts";
import type { GptConfig } from "../gpt/config.ts";
import { buildInferenceGraph } from "../gpt/inference_graph.ts";
import { writeGptModelFolder } from "../gpt/model_folder.ts";
import { randomWeights } from "../gpt/_test_support.ts";
import { encodeOnnxModel, type OnnxModel } from "../onnx/onnx_model.ts";
import { TextTokenizer, trainByteLevelBpe } from "../tokenizer/mod.ts";
import { createEngine, type EngineOptions } from "./mod.ts";
import type { GenerationEngine, GenerationEvent, ModelHost, SamplingParams } from "./types.ts";

export const SPECIAL_TOKENS = ["<|endoftext|>", "<|user|>", "<|assistant|>"];

const SENTENCES = [
  "The quick brown fox jumps over the lazy dog.",
  "A small model writes short answers, one token at a time.",
  "Stop strings end the text; the engine holds back what could start one.",
  "Héllo wörld, naïve café: bytes and characters are not the same thing.",
  "Continuous batching lets sequences join and leave between decode steps.",
];

export interface TestModelOptions {
  /** Seed of the random weights (default 1). */
  seed?: number;
  /** End-of-sequence id written to generation_config.json (default 0, "<|endoftext|>"). */
  eos?: number;
  contextLength?: number;
  modelDim?: number;
  layerCount?: number;
  headCount?: number;
  mlpDim?: number;
  /** Logits width of the graph (default: the tokenizer's vocabulary). */
  vocabSize?: number;
  /** false: only the Optimum outputs, so the engine feeds present.* back as past (default true). */
  newKeyValues?: boolean;
}

/** Only the Optimum outputs (logits, present.*): the engine feeds present back as past. */
export function withoutNewKeyValues(model: OnnxModel): OnnxModel {
  const graph = model.graph;
  return {
    ...model,
    graph: {
      ...graph,
      outputs: graph.outputs.filter((output) => !output.name.startsWith("new_key_values.")),
    },
  };
}

export interface TestModel {
  dir: string;
  config: GptConfig;
  tokenizer: TextTokenizer;
}

/** The fixture tokenizer (deterministic). */
export function testTokenizerJson() {
  return trainByteLevelBpe(SENTENCES, { vocabSize: 320, specialTokens: SPECIAL_TOKENS });
}

const temporaryDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of temporaryDirs) Deno.removeSync(dir, { recursive: true });
});

/** Writes a model folder under a new temp dir, removed when the test module unloads. */
export async function writeTestModel(options: TestModelOptions = {}): Promise<TestModel> {
  const tokenizerJson = testTokenizerJson();
  const tokenizer = TextTokenizer.fromJson(tokenizerJson);
  const config: GptConfig = {
    vocabSize: options.vocabSize ?? tokenizer.vocabSize,
    contextLength: options.contextLength ?? 96,
    modelDim: options.modelDim ?? 32,
    layerCount: options.layerCount ?? 2,
    headCount: options.headCount ?? 4,
    mlpDim: options.mlpDim ?? 64,
    layerNormEpsilon: 1e-5,
    tiedHead: true,
  };
  const eos = options.eos ?? 0;
  const parent = await Deno.makeTempDir({ prefix: "engine_test_" });
  temporaryDirs.push(parent);
  const dir = join(parent, "model");
  const parameters = randomWeights(config, options.seed ?? 1, (n) => new Float32Array(n));
  await writeGptModelFolder(dir, {
    config,
    parameters,
    specialTokens: { bos: 0, eos, pad: 0 },
    tokenizer: tokenizerJson,
    tokenizerConfig: {
      bos_token: "<|endoftext|>",
      eos_token: { content: "<|endoftext|>", special: true },
      pad_token: "<|endoftext|>",
      chat_template: "{% for m in messages %}{{ '<|' + m['role'] + '|>' + m['content'] }}{% endfor %}",
    },
    generationConfig: {},
  });
  if (options.newKeyValues === false) {
    const graph = withoutNewKeyValues(buildInferenceGraph(config, parameters));
    await Deno.writeFile(join(dir, "onnx", "model.onnx"), encodeOnnxModel(graph));
  }
  return { dir, config, tokenizer };
}

/** A DecoderSession on the fixture's graph (1 thread). */
export function loadSession(model: TestModel): Promise<DecoderSession> {
  return DecoderSession.load(join(model.dir, "onnx", "model.onnx"), { threads: 1 });
}

/** OpenAI defaults with greedy decoding, overridable. */
export function samplingParams(overrides: Partial<SamplingParams> = {}): SamplingParams {
  return {
    temperature: 0,
    topP: 1,
    topK: 0,
    presencePenalty: 0,
    frequencyPenalty: 0,
    maxTokens: 16,
    stop: [],
    ignoreEos: false,
    ...overrides,
  };
}

/** Per-candidate token ids, text, finish reason; plus the started and done events. */
export interface CollectedRun {
  started?: Extract<GenerationEvent, { type: "started" }>;
  done?: Extract<GenerationEvent, { type: "done" }>;
  candidates: {
    ids: number[];
    logprobs: number[];
    deltas: string[];
    text: string;
    reason?: string;
    events: GenerationEvent[];
  }[];
}

/** Drains a generate() stream. */
export async function collect(events: AsyncIterable<GenerationEvent>): Promise<CollectedRun> {
  const run: CollectedRun = { candidates: [] };
  const candidate = (i: number) =>
    run.candidates[i] ??= { ids: [], logprobs: [], deltas: [], text: "", events: [] };
  for await (const event of events) {
    if (event.type === "started") run.started = event;
    else if (event.type === "done") run.done = event;
    else {
      const c = candidate(event.candidate);
      c.events.push(event);
      c.deltas.push(event.textDelta);
      c.text += event.textDelta;
      if (event.type === "token") {
        c.ids.push(event.token.tokenId);
        c.logprobs.push(event.token.logprob);
      } else c.reason = event.reason;
    }
  }
  return run;
}

/** Runs `run` on an engine serving `folder` as "m" (1 thread, plus `options`) and closes it afterwards. */
export async function withTestEngine<T>(
  folder: TestModel,
  run: (engine: GenerationEngine & ModelHost) => Promise<T>,
  options: Partial<Omit<EngineOptions, "models">> = {},
): Promise<T> {
  const engine = await createEngine({ models: [{ name: "m", path: folder.dir }], threads: 1, ...options });
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}
