import assert from "node:assert/strict";
import { SSE_DONE, sseData, sseError, sseStream } from "./sse.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

Deno.test("sse: OpenAI's event format", () => {
  assert.equal(sseData({ a: "x\ny" }), 'data: {"a":"x\\ny"}\n\n');
  assert.equal(SSE_DONE, "data: [DONE]\n\n");
  const error = { error: { message: "m", type: "t", param: null, code: null } };
  assert.equal(sseError(error), `event: error\ndata: ${JSON.stringify(error)}\n\n`);
});

Deno.test("sse: a failing producer sends the error event and ends the stream", async () => {
  async function* events() {
    yield sseData(1);
    throw new Error("boom");
  }
  const errors: unknown[] = [];
  const text = await readAll(sseStream(events(), {
    onError: (error) => {
      errors.push(error);
      return "event: error\ndata: {}\n\n";
    },
    onCancel: () => assert.fail("not cancelled"),
  }));
  assert.equal(text, "data: 1\n\nevent: error\ndata: {}\n\n");
  assert.equal((errors[0] as Error).message, "boom");
});

Deno.test("sse: a disconnecting client cancels and closes the producer", async () => {
  let cancelled = 0;
  let closed = false;
  async function* events() {
    try {
      for (let i = 0;; i++) yield sseData(i);
    } finally {
      closed = true;
    }
  }
  const stream = sseStream(events(), { onError: () => "", onCancel: () => cancelled++ });
  const reader = stream.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "data: 0\n\n");
  await reader.cancel();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(cancelled, 1);
  assert.ok(closed, "the generator's finally ran");
});

Deno.test("sse: events are pulled one at a time (a slow client slows the producer)", async () => {
  let produced = 0;
  async function* events() {
    for (let i = 0; i < 100; i++) {
      produced++;
      yield sseData(i);
    }
  }
  const reader = sseStream(events(), { onError: () => "", onCancel: () => {} }).getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(produced <= 2, `produced ${produced}`);
  await reader.cancel();
});
