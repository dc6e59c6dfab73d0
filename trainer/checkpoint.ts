/**
 * Training checkpoints in safetensors: weights under their own names, AdamW moments under
 * `adam.m/…` and `adam.v/…`, and the step, RNG state and caller's notes in the metadata.
 * Written atomically, so a killed job resumes from the last complete checkpoint.
 */
import { loadSafetensors, type NamedTensor, saveSafetensors } from "../models/io/safetensors.ts";
import type { Parameters } from "../models/gpt/parameters.ts";
import type { AdamWState } from "./adamw.ts";

export interface Checkpoint {
  step: number;
  parameters: Parameters;
  optimizer: AdamWState;
  /** Free-form notes (JSON-serialisable), e.g. the RNG state and the loss log. */
  notes: Record<string, unknown>;
}

const FIRST_MOMENT = "adam.m/";
const SECOND_MOMENT = "adam.v/";

export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tensors: Record<string, NamedTensor> = {};
  const add = (prefix: string, map: Map<string, Float32Array>) => {
    for (const [name, data] of map) tensors[prefix + name] = { dtype: "F32", shape: [data.length], data };
  };
  add("", checkpoint.parameters);
  add(FIRST_MOMENT, checkpoint.optimizer.firstMoment);
  add(SECOND_MOMENT, checkpoint.optimizer.secondMoment);
  await saveSafetensors(path, tensors, {
    step: String(checkpoint.step),
    optimizer_step: String(checkpoint.optimizer.step),
    notes: JSON.stringify(checkpoint.notes),
  });
}

/** The checkpoint at `path`, or undefined if there is none. */
export async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let content;
  try {
    content = await loadSafetensors(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const parameters: Parameters = new Map();
  const firstMoment = new Map<string, Float32Array>();
  const secondMoment = new Map<string, Float32Array>();
  for (const [name, tensor] of Object.entries(content.tensors)) {
    if (tensor.dtype !== "F32") throw new Error(`${path}: ${name} is ${tensor.dtype}, expected F32`);
    if (name.startsWith(FIRST_MOMENT)) firstMoment.set(name.slice(FIRST_MOMENT.length), tensor.data);
    else if (name.startsWith(SECOND_MOMENT)) secondMoment.set(name.slice(SECOND_MOMENT.length), tensor.data);
    else parameters.set(name, tensor.data);
  }
  return {
    step: Number(content.metadata.step),
    parameters,
    optimizer: { step: Number(content.metadata.optimizer_step), firstMoment, secondMoment },
    notes: JSON.parse(content.metadata.notes ?? "{}"),
  };
}
