/**
 * Server-sent events in OpenAI's format: `data: {json}` per chunk, `data: [DONE]` at the end,
 * and an error event (`event: error` + the error envelope) when a stream fails midway.
 *
 * @module
 */
import type { ErrorBody } from "./errors.ts";

/** The end-of-stream marker OpenAI clients wait for. */
export const SSE_DONE = "data: [DONE]\n\n";

/** Headers of an SSE response. */
export const SSE_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  "X-Accel-Buffering": "no",
};

/**
 * One data event.
 *
 * @example
 * ```ts
 * import { sseData } from "./sse.ts";
 * if (sseData({ a: 1 }) !== 'data: {"a":1}\n\n') throw new Error();
 * ```
 */
export function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** An error in the middle of a stream: a named event whose data is the usual error envelope. */
export function sseError(body: ErrorBody): string {
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}

/** What the stream does on failure and on client disconnect. */
export interface SseHooks {
  /** The event to send when `events` throws; the stream ends after it. */
  onError: (error: unknown) => string;
  /** The client went away: free whatever produces the events. */
  onCancel: () => void;
}

/**
 * A byte stream that pulls one event at a time from `events` (so a slow client slows the
 * producer down instead of buffering), sends an error event and ends if it throws, and
 * runs `onCancel` when the client disconnects.
 */
export function sseStream(events: AsyncIterator<string>, hooks: SseHooks): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await events.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (error) {
        controller.enqueue(encoder.encode(hooks.onError(error)));
        controller.close();
      }
    },
    cancel() {
      hooks.onCancel();
      void events.return?.(undefined).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
