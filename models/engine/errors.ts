/**
 * The engine's domain errors. They know nothing of HTTP: routes/errors.ts maps each class to
 * OpenAI's envelope and a status. They cross the worker boundary as plain data
 * (`toErrorData` / `fromErrorData`) and come back as the same classes.
 *
 * @module
 */

/** Base of every error the engine raises on purpose. */
export class EngineError extends Error {
  override name = "EngineError";
}

/** The request names a model the engine has not loaded. */
export class UnknownModelError extends EngineError {
  override name = "UnknownModelError";
  constructor(readonly model: string, readonly available: readonly string[]) {
    super(`model "${model}" is not loaded (available: ${available.join(", ") || "none"})`);
  }
}

/** Prompt plus max_tokens do not fit in the model's context. */
export class ContextLengthError extends EngineError {
  override name = "ContextLengthError";
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly contextLength: number,
  ) {
    super(
      `this model's context is ${contextLength} tokens, but ${promptTokens + maxTokens} were requested ` +
        `(${promptTokens} in the prompt + ${maxTokens} max_tokens)`,
    );
  }
}

/** The waiting queue is full; the caller should retry later. */
export class OverloadedError extends EngineError {
  override name = "OverloadedError";
  constructor(readonly waiting: number, readonly retryAfterSeconds = 1) {
    super(`the engine is overloaded (${waiting} requests waiting); retry in ${retryAfterSeconds} s`);
  }
}

/** A parameter the engine cannot honour (n beyond the batch, negative temperature, ...). */
export class InvalidRequestError extends EngineError {
  override name = "InvalidRequestError";
  /** @param param The offending request field, in the engine's naming (`n`, `sampling.topP`, ...). */
  constructor(message: string, readonly param?: string) {
    super(message);
  }
}

/** The engine was closed, or its worker stopped. */
export class EngineClosedError extends EngineError {
  override name = "EngineClosedError";
  constructor(message = "the generation engine is closed") {
    super(message);
  }
}

/** An unexpected failure inside the engine (a model run failed); the message says what. */
export class EngineInternalError extends EngineError {
  override name = "EngineInternalError";
}

/** A model folder could not be loaded. */
export class ModelLoadError extends EngineError {
  override name = "ModelLoadError";
}

/** An error as structured-clone data (class name, message and the fields its constructor needs). */
export interface ErrorData {
  name: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** Flattens an error for postMessage; anything that is not an EngineError becomes EngineInternalError. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof UnknownModelError) {
    return { ...base(error), fields: { model: error.model, available: error.available } };
  }
  if (error instanceof ContextLengthError) {
    const { promptTokens, maxTokens, contextLength } = error;
    return { ...base(error), fields: { promptTokens, maxTokens, contextLength } };
  }
  if (error instanceof OverloadedError) {
    return { ...base(error), fields: { waiting: error.waiting, retryAfterSeconds: error.retryAfterSeconds } };
  }
  if (error instanceof InvalidRequestError) return { ...base(error), fields: { param: error.param } };
  if (error instanceof EngineError) return base(error);
  const message = error instanceof Error ? error.message : String(error);
  return { name: "EngineInternalError", message };
}

/** Rebuilds the error class `toErrorData` flattened. */
export function fromErrorData(data: ErrorData): EngineError {
  const f = data.fields ?? {};
  switch (data.name) {
    case "UnknownModelError":
      return new UnknownModelError(f.model as string, f.available as string[]);
    case "ContextLengthError":
      return new ContextLengthError(
        f.promptTokens as number,
        f.maxTokens as number,
        f.contextLength as number,
      );
    case "OverloadedError":
      return new OverloadedError(f.waiting as number, f.retryAfterSeconds as number);
    case "InvalidRequestError":
      return new InvalidRequestError(data.message, f.param as string | undefined);
    case "EngineClosedError":
      return new EngineClosedError(data.message);
    case "ModelLoadError":
      return new ModelLoadError(data.message);
    default:
      return new EngineInternalError(data.message);
  }
}

function base(error: Error): ErrorData {
  return { name: error.name, message: error.message };
}
