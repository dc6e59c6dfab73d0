/**
 * Language-model batches from tokenized documents, GPT-style: each epoch shuffles the
 * documents (seeded), concatenates them into one stream and cuts it into rows of T + 1
 * tokens; inputs are a row's first T tokens, targets its last T.
 */
import type { TokenBatch } from "../../models/gpt/training_session.ts";
import type { Rng } from "../../models/random.ts";

export class PackedBatches {
  #order: number[];
  #documentCursor = 0;
  #pending: number[] = [];
  epoch = 0;
  tokensServed = 0;

  constructor(
    private readonly documents: readonly (readonly number[])[],
    private readonly batchSize: number,
    private readonly seqLength: number,
    private readonly rng: Rng,
  ) {
    if (documents.length === 0) throw new Error("no documents to batch");
    this.#order = this.#shuffled();
  }

  #shuffled(): number[] {
    const order = this.documents.map((_, i) => i);
    this.rng.shuffle(order);
    return order;
  }

  #nextRow(): number[] {
    const rowLength = this.seqLength + 1;
    while (this.#pending.length < rowLength) {
      if (this.#documentCursor === this.#order.length) {
        this.epoch += 1;
        this.#documentCursor = 0;
        this.#order = this.#shuffled();
      }
      this.#pending.push(...this.documents[this.#order[this.#documentCursor++]]);
    }
    const row = this.#pending.slice(0, rowLength);
    // Rows overlap by one token so no target is skipped at the seams.
    this.#pending = this.#pending.slice(this.seqLength);
    return row;
  }

  /** The next batch; every token weighs 1/(B·T), so the loss is the mean cross-entropy. */
  next(): TokenBatch {
    const { batchSize: B, seqLength: T } = this;
    const inputIds = new BigInt64Array(B * T);
    const targetIds = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) {
      const row = this.#nextRow();
      for (let t = 0; t < T; t++) {
        inputIds[b * T + t] = BigInt(row[t]);
        targetIds[b * T + t] = BigInt(row[t + 1]);
      }
    }
    this.tokensServed += B * T;
    return {
      batchSize: B,
      seqLength: T,
      inputIds,
      targetIds,
      tokenWeights: new Float32Array(B * T).fill(1 / (B * T)),
    };
  }
}
