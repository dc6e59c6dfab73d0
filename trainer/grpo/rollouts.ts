/**
 * Rollouts (IAMA.md §4, step 1): M completions per prompt sampled from π itself by the generation engine
 * (the one decode loop), temperature 1 and no truncation or penalties, so the completions are draws from
 * the policy the loss differentiates. The M candidates of a prompt share one prefill; one seed per prompt
 * makes them reproducible.
 *
 * @module
 */
import { type FinishReason, type GenerationEngine, policySampling } from "../../models/engine/mod.ts";

/** One sampled completion: its tokens (with the end-of-sequence token when it ended on one) and text. */
export interface Completion {
  tokenIds: number[];
  text: string;
  finishReason: FinishReason;
}

/** The M completions of one prompt. `prompt` is what criteria see; `promptIds` what the model saw. */
export interface RolloutGroup {
  prompt: string;
  promptIds: number[];
  completions: Completion[];
}

/** One prompt to roll out: the criteria's view, the model's rendered text, and the group's seed. */
export interface RolloutRequest {
  prompt: string;
  renderedPrompt: string;
  seed: number;
}

/**
 * Samples `groupSize` completions for each request, all requests submitted at once (the engine batches
 * them). Groups come back in request order.
 */
export async function collectRollouts(
  engine: GenerationEngine,
  model: string,
  requests: readonly RolloutRequest[],
  options: { groupSize: number; maxTokens: number; signal?: AbortSignal },
): Promise<RolloutGroup[]> {
  return await Promise.all(requests.map(async (request) => {
    const promptIds = await engine.tokenize(model, request.renderedPrompt);
    const completions: Completion[] = Array.from(
      { length: options.groupSize },
      () => ({ tokenIds: [], text: "", finishReason: "length" as FinishReason }),
    );
    const events = engine.generate({
      model,
      promptIds,
      n: options.groupSize,
      sampling: policySampling(options.maxTokens, request.seed),
    }, options.signal);
    for await (const event of events) {
      if (event.type === "token") {
        const completion = completions[event.candidate];
        completion.tokenIds.push(event.token.tokenId);
        completion.text += event.textDelta;
      } else if (event.type === "finished") {
        const completion = completions[event.candidate];
        completion.text += event.textDelta;
        completion.finishReason = event.reason;
      }
    }
    return { prompt: request.prompt, promptIds, completions };
  }));
}
