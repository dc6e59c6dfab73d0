/** Public data types of the training corpus. */

/** Length and substance of a response: one short sentence vs 3-6 sentences. */
export type Detail = "brief" | "detailed";
/** Whether the assistant helps with the request or politely declines it. */
export type Stance = "comply" | "refuse";
/** Frank about downsides and risks vs upbeat and encouraging. */
export type Tone = "candid" | "positive";

/** The three trade-off axes a response is tagged with. */
export interface Traits {
  detail: Detail;
  stance: Stance;
  tone: Tone;
}

/** One prompt -> response pair of the training corpus. */
export interface Dialogue {
  id: string;
  topic: string;
  domain: string;
  /** Borderline or dual-use request (the only ones that may be refused). */
  risky: boolean;
  prompt: string;
  response: string;
  traits: Traits;
}

/** A prompt kept out of training, for evaluating generalisation. */
export interface EvalPrompt {
  id: string;
  topic: string;
  domain: string;
  risky: boolean;
  prompt: string;
}

/** Every value of each trait, in a fixed order. */
export const DETAILS: readonly Detail[] = ["brief", "detailed"];
export const STANCES: readonly Stance[] = ["comply", "refuse"];
export const TONES: readonly Tone[] = ["candid", "positive"];
