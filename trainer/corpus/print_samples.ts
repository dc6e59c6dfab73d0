/**
 * Prints sample dialogues for eyeballing, or corpus statistics.
 *
 *     deno run trainer/corpus/print_samples.ts [count=10] [seed=1]
 *     deno run trainer/corpus/print_samples.ts --stats [count=80000] [seed=1]
 */

import { generateDialogues, heldOutPrompts, listTopics, summarizeDialogues } from "./mod.ts";

function printSamples(count: number, seed: number): void {
  for (const dialogue of generateDialogues({ seed, count })) {
    const { detail, stance, tone } = dialogue.traits;
    console.log(`--- ${dialogue.id} [${dialogue.topic}] ${detail} / ${stance} / ${tone}`);
    console.log(`USER: ${dialogue.prompt}`);
    console.log(`ASSISTANT: ${dialogue.response}\n`);
  }
}

function printStats(count: number, seed: number): void {
  const start = performance.now();
  const dialogues = generateDialogues({ seed, count });
  const seconds = (performance.now() - start) / 1000;
  const stats = summarizeDialogues(dialogues);
  const topics = listTopics();
  console.log(`dialogues: ${count} in ${seconds.toFixed(2)} s (${Math.round(count / seconds)}/s)`);
  console.log(
    `topics: ${topics.filter((t) => !t.heldOut).length} training, ` +
      `${topics.filter((t) => t.heldOut).length} held out, ` +
      `${new Set(topics.map((t) => t.domain)).size} domains`,
  );
  console.log(`held-out prompts: ${heldOutPrompts().length}`);
  console.log(`words (prompts + responses): ${stats.totalWords}`);
  console.log(`shares: ${JSON.stringify({ risky: stats.riskyShare, ...stats.traitShares })}`);
  for (const [key, mean] of Object.entries(stats.meanWords)) {
    console.log(`mean words ${key.padEnd(26)} ${mean.toFixed(1)}`);
  }
}

if (import.meta.main) {
  const stats = Deno.args[0] === "--stats";
  const args = stats ? Deno.args.slice(1) : Deno.args;
  const count = Number(args[0] ?? (stats ? "80000" : "10"));
  const seed = Number(args[1] ?? "1");
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
    console.error("usage: deno run trainer/corpus/print_samples.ts [--stats] [count] [seed]");
    Deno.exit(2);
  }
  if (stats) printStats(count, seed);
  else printSamples(count, seed);
}
