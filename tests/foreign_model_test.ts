/**
 * A model folder written by another exporter (PyTorch, tests/fixtures/pytorch_gpt2) served through
 * `MODEL_PATH` by `main.ts`: its greedy completions over HTTP equal PyTorch's own greedy generation.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { loadTokenizer } from "../models/tokenizer/mod.ts";
import { runMain } from "./_main_process.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/pytorch_gpt2/", import.meta.url));

interface ExpectedGreedy {
  prompts: { text: string; prompt_ids: number[]; greedy_ids: number[] }[];
}

Deno.test("a PyTorch-exported GPT-2 served via MODEL_PATH answers with PyTorch's greedy tokens", async () => {
  const expected: ExpectedGreedy = JSON.parse(await Deno.readTextFile(`${FIXTURE}expected_greedy.json`));
  const tokenizer = await loadTokenizer(`${FIXTURE}model`);
  const eos = tokenizer.tokenToId("<|endoftext|>")!;
  const run = runMain({ PORT: "0", MODEL_PATH: `pytorch=${FIXTURE}model`, ENGINE_THREADS: "1" });
  try {
    const origin = await Promise.race([
      run.origin,
      run.exited.then(() => {
        throw new Error(`main.ts exited:\n${run.output()}`);
      }),
    ]);
    const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "unused", maxRetries: 0 });
    assert.deepEqual((await client.models.list()).data.map((m) => m.id), ["pytorch"]);
    for (const prompt of expected.prompts) {
      const completion = await client.completions.create({
        model: "pytorch",
        prompt: prompt.prompt_ids,
        max_tokens: prompt.greedy_ids.length,
        temperature: 0,
      });
      // PyTorch's loop ignored EOS; the server stops there, so compare up to it.
      const eosAt = prompt.greedy_ids.indexOf(eos);
      const kept = eosAt === -1 ? prompt.greedy_ids : prompt.greedy_ids.slice(0, eosAt);
      const choice = completion.choices[0];
      assert.equal(choice.text, tokenizer.decode(kept, { skipSpecialTokens: true }), prompt.text);
      assert.equal(choice.finish_reason, eosAt === -1 ? "length" : "stop");
      assert.equal(completion.usage?.prompt_tokens, prompt.prompt_ids.length);
    }
  } finally {
    run.process.kill("SIGTERM");
    await run.exited;
  }
});
