/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * A training job's thread: onnxruntime-node's `run` blocks the thread that calls it, so a refresh
 * (training steps, its own rollout engine, the evaluation) runs here while the main thread keeps
 * serving. One worker per job; it ends by posting `finished` or `failed` (_protocol.ts).
 *
 * @module
 */
import type { FromJobWorker, ToJobWorker } from "./_protocol.ts";
import { runRefresh } from "./refresh.ts";

const stop = new AbortController();
const post = (message: FromJobWorker) => self.postMessage(message);

self.onmessage = async (message: MessageEvent<ToJobWorker>) => {
  const data = message.data;
  if (data.type === "cancel") {
    stop.abort();
    return;
  }
  try {
    const outcome = await runRefresh(data.input, (event) => post({ type: "event", event }), stop.signal);
    post({ type: "finished", outcome });
  } catch (error) {
    if (stop.signal.aborted) post({ type: "finished", outcome: { completed: false, completedSteps: -1 } });
    else post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  }
};
