/** The README.md card of an exported reward model. */
import type { PooledScorerConfig } from "./pooled_scorer.ts";

/** Facts the card states. */
export interface ModelCardFacts {
  criterion: string;
  rule: string;
  config: PooledScorerConfig;
  parameterCount: number;
  trainingPrompts: number;
  trainingPairs: number;
  heldOutPrompts: number;
  heldOutPairs: number;
  heldOutAccuracy: number;
  heldOutRiskyAccuracy: number;
  heldOutSafeAccuracy: number;
  trainingAccuracy: number;
  steps: number;
  batchSize: number;
  seed: number;
  conflict: string;
}

const percent = (x: number) => Number.isNaN(x) ? "n/a" : `${(100 * x).toFixed(1)} %`;

export function modelCard(facts: ModelCardFacts): string {
  const { dim: D, hidden: H, vocabSize: V } = facts.config;
  return `# ${facts.criterion} reward model

A small Bradley–Terry reward model trained by the project (\`deno task build-reward-models\`,
trainer/reward_models/) for the \`${facts.criterion}\` criterion, shipped with the default model. It is a
standard sequence-classification ONNX export: \`input_ids\`, \`attention_mask\` (int64) → \`logits\`
[batch, 1]; load it with \`loadRewardModelCriterion\` (input text: prompt + "\\n\\n" + response).

## Preference rule

${facts.rule}

## Data

Pairs of trait variants of one prompt from the project's corpus (trainer/corpus \`responseVariants\`:
same prompt and facts, every mix of detail, stance and tone), labelled by the rule above; ties left out.

| split | prompts | pairs |
|---|---|---|
| training (sampled by \`generateDialogues\`, seed ${facts.seed}) | ${facts.trainingPrompts} | ${facts.trainingPairs} |
| held out (\`heldOutPrompts\`, never in training) | ${facts.heldOutPrompts} | ${facts.heldOutPairs} |

## Results

| pairwise accuracy | value |
|---|---|
| training pairs | ${percent(facts.trainingAccuracy)} |
| held-out pairs | ${percent(facts.heldOutAccuracy)} |
| held-out, risky prompts | ${percent(facts.heldOutRiskyAccuracy)} |
| held-out, safe prompts | ${percent(facts.heldOutSafeAccuracy)} |

${facts.conflict}

## Model

Token embeddings over the default model's vocabulary (${V} × ${D}) → masked mean pooling, plus log of the
token count → tanh MLP (${D + 1} → ${H}) → one logit. ${facts.parameterCount.toLocaleString("en-US")}
parameters (float32). Trained with AdamW, ${facts.steps} steps of ${facts.batchSize} pairs, loss
−log σ(s_chosen − s_rejected). Inputs longer than 256 tokens lose tokens at the start.

## Limits

Trained only on the corpus's template responses: it recognises the corpus's traits (length and
substance, refusals, candid vs upbeat wording), not helpfulness or harm in general. Scores are
unnormalised logits; only differences between candidates of one prompt are meaningful.
`;
}
