/**
 * `deno task build-default-model`: builds the default model from scratch, deterministically by
 * the recipe's seed: corpus → tokenizer → pretraining → model folder with its model card.
 * Resumes from its checkpoint if killed (`--work-dir`, default .cache/default_model).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DecoderSession } from "../../models/decoder_session.ts";
import { generateSequence } from "../../models/generate_sequence.ts";
import { initParameters, parameterCount } from "../../models/gpt/parameters.ts";
import { writeGptModelFolder } from "../../models/gpt/model_folder.ts";
import { Rng } from "../../models/random.ts";
import { TextTokenizer, trainByteLevelBpe } from "../../models/tokenizer/mod.ts";
import { type Dialogue, generateDialogues, heldOutPrompts, responseVariants } from "../corpus/mod.ts";
import { PackedBatches } from "../pretrain/packed_batches.ts";
import { pretrain } from "../pretrain/pretrain.ts";
import { renderLineChartPng } from "../report/line_chart.ts";
import { renderDialogue, renderPrompt, SPECIAL_TOKENS, tokenizerConfig } from "./chat_format.ts";
import { type CorpusStatistics, renderModelCard, type SampleOutput } from "./model_card.ts";
import { DEFAULT_RECIPE, type DefaultModelRecipe, tinyRecipe } from "./recipe.ts";

export interface BuildOptions {
  outDir: string;
  workDir: string;
  log: (line: string) => void;
}

export async function buildDefaultModel(recipe: DefaultModelRecipe, options: BuildOptions): Promise<void> {
  const started = performance.now();
  const { log } = options;
  await Deno.mkdir(options.workDir, { recursive: true });

  const dialogues = generateDialogues({ seed: recipe.seed, count: recipe.dialogueCount });
  const trainingTexts = dialogues.map((d) => renderDialogue(d.prompt, d.response));
  log(`corpus: ${dialogues.length} dialogues`);

  const tokenizerJson = trainByteLevelBpe(trainingTexts.slice(0, recipe.tokenizerDialogues), {
    vocabSize: recipe.model.vocabSize,
    specialTokens: [...SPECIAL_TOKENS],
  });
  const tokenizer = TextTokenizer.fromJson(tokenizerJson);
  const endOfText = tokenizer.tokenToId(SPECIAL_TOKENS[0])!;
  log(`tokenizer: ${tokenizer.vocabSize} tokens`);

  const documents = trainingTexts.map((text) => tokenizer.encode(text));
  const heldOutDialogues = heldOutPrompts().flatMap((p) =>
    responseVariants({ topic: p.topic, prompt: p.prompt, seed: recipe.seed })
  );
  const heldOutDocuments = heldOutDialogues.map((d) =>
    tokenizer.encode(renderDialogue(d.prompt, d.response))
  );
  const corpusTokens = documents.reduce((sum, d) => sum + d.length, 0);
  log(`tokens: ${corpusTokens} training, ${heldOutDocuments.reduce((s, d) => s + d.length, 0)} held out`);

  const rng = new Rng(recipe.seed);
  const parameters = initParameters(recipe.model, rng.fork(1));
  const batches = new PackedBatches(documents, recipe.batchSize, recipe.seqLength, rng.fork(2));
  const heldOutStream = new PackedBatches(heldOutDocuments, recipe.batchSize, recipe.seqLength, rng.fork(3));
  const heldOutBatches = Array.from({ length: recipe.heldOutBatches }, () => heldOutStream.next());
  log(`model: ${parameterCount(recipe.model)} parameters; training ${recipe.steps} steps`);

  const result = await pretrain({
    config: recipe.model,
    parameters,
    nextBatch: () => batches.next(),
    heldOutBatches,
    steps: recipe.steps,
    peakLearningRate: recipe.peakLearningRate,
    warmupSteps: recipe.warmupSteps,
    heldOutEvery: recipe.heldOutEvery,
    checkpointEvery: recipe.checkpointEvery,
    checkpointPath: join(options.workDir, "checkpoint.safetensors"),
    threads: recipe.threads,
    log: (e) =>
      log(
        `step ${e.step}/${recipe.steps} train ${e.trainLoss.toFixed(3)} held-out ${
          e.heldOutLoss?.toFixed(3)
        } lr ${e.learningRate.toExponential(2)} |g| ${e.gradientNorm.toFixed(2)} ${
          e.tokensPerSecond.toFixed(0)
        } tok/s ${e.elapsedSeconds.toFixed(0)} s`,
      ),
  });

  const folderContents = {
    config: recipe.model,
    parameters: result.parameters,
    specialTokens: { bos: endOfText, eos: endOfText, pad: endOfText },
    tokenizer: tokenizerJson,
    tokenizerConfig: tokenizerConfig(recipe.model.contextLength),
    generationConfig: { do_sample: true, temperature: 0.8, top_p: 0.95, max_new_tokens: 160 },
  };
  // Samples come from the real artifact: the folder is written, loaded back and run.
  const staging = join(options.workDir, "model");
  await writeGptModelFolder(staging, folderContents);
  const samples = await sampleHeldOut(staging, tokenizer, recipe, endOfText);

  const history = result.history;
  const lossCurve = renderLineChartPng({
    title: "Default model: cross-entropy",
    xLabel: "tokens seen",
    yLabel: "loss (nats/token)",
    series: [
      { name: "train (batch)", points: history.map((e) => [e.tokensSeen, e.trainLoss]) },
      { name: "held-out", points: history.map((e) => [e.tokensSeen, e.heldOutLoss ?? NaN]) },
    ],
  });
  const card = renderModelCard({
    recipe,
    parameterCount: parameterCount(recipe.model),
    corpus: corpusStatistics(dialogues, corpusTokens, heldOutDialogues.length),
    history,
    samples,
    buildSeconds: (performance.now() - started) / 1000,
  });
  await writeGptModelFolder(options.outDir, {
    ...folderContents,
    extraFiles: {
      "MODEL_CARD.md": card,
      "loss_curve.png": lossCurve,
      "training_log.json": JSON.stringify({ recipe, history }, null, 1) + "\n",
    },
  });
  await Deno.remove(staging, { recursive: true });
  log(`wrote ${options.outDir} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function corpusStatistics(dialogues: Dialogue[], tokens: number, heldOut: number): CorpusStatistics {
  const share = (f: (d: Dialogue) => boolean) => dialogues.filter(f).length / dialogues.length;
  return {
    dialogues: dialogues.length,
    topics: new Set(dialogues.map((d) => d.topic)).size,
    tokens,
    heldOutDialogues: heldOut,
    riskyShare: share((d) => d.risky),
    briefShare: share((d) => d.traits.detail === "brief"),
    refuseShareOfRisky: dialogues.filter((d) => d.risky && d.traits.stance === "refuse").length /
      Math.max(1, dialogues.filter((d) => d.risky).length),
    positiveShare: share((d) => d.traits.tone === "positive"),
  };
}

async function sampleHeldOut(
  folder: string,
  tokenizer: TextTokenizer,
  recipe: DefaultModelRecipe,
  endOfText: number,
): Promise<SampleOutput[]> {
  const session = await DecoderSession.load(join(folder, "onnx", "model.onnx"), { threads: recipe.threads });
  const prompts = heldOutPrompts();
  // A spread of held-out prompts: every 25th, so risky and safe topics both appear.
  const chosen = prompts.filter((_, i) => i % 25 === 0).slice(0, 8);
  const samples: SampleOutput[] = [];
  for (const [i, prompt] of chosen.entries()) {
    const promptIds = tokenizer.encode(renderPrompt(prompt.prompt));
    const common = {
      maxNewTokens: 160,
      stopTokenIds: [endOfText],
      contextLength: recipe.model.contextLength,
    };
    const greedy = await generateSequence(
      session,
      promptIds,
      { ...common, temperature: 0, topP: 1, topK: 0 },
      new Rng(0),
    );
    const sampled = await generateSequence(
      session,
      promptIds,
      { ...common, temperature: 0.8, topP: 0.95, topK: 0 },
      new Rng(recipe.seed + i),
    );
    const text = (ids: number[]) => tokenizer.decode(ids, { skipSpecialTokens: true }).trim();
    samples.push({
      prompt: prompt.prompt,
      risky: prompt.risky,
      greedy: text(greedy),
      sampled: text(sampled),
    });
  }
  await session.release();
  return samples;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "models/default" },
      "work-dir": { type: "string", default: ".cache/default_model" },
      tiny: { type: "boolean", default: false },
    },
  });
  const recipe = values.tiny ? tinyRecipe() : DEFAULT_RECIPE;
  await buildDefaultModel(recipe, {
    outDir: values.out!,
    workDir: values["work-dir"]!,
    log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
  });
}
