import assert from "node:assert/strict";
import { StopStringFilter } from "./stop_strings.ts";

/** Streams `chunks` through a filter; returns the deltas and whether it stopped. */
function stream(stops: string[], chunks: string[]) {
  const filter = new StopStringFilter(stops);
  const deltas = chunks.map((chunk) => filter.push(chunk));
  if (!filter.stopped) deltas.push(filter.finish());
  return { deltas, text: deltas.join(""), stopped: filter.stopped };
}

/** Reference: scan end positions; cut before the longest stop string ending at the first one that has any. */
function reference(stops: string[], text: string): string {
  for (let end = 1; end <= text.length; end++) {
    const ending = stops.filter((s) => text.slice(0, end).endsWith(s));
    if (ending.length > 0) return text.slice(0, end - Math.max(...ending.map((s) => s.length)));
  }
  return text;
}

Deno.test("text ends before the first stop string, across chunk boundaries", () => {
  assert.deepEqual(stream(["END"], ["abc E", "N", "Dxyz"]), {
    deltas: ["abc ", "", ""],
    text: "abc ",
    stopped: true,
  });
  assert.equal(stream(["\n\n", "###"], ["one\n", "two##", "#three"]).text, "one\ntwo");
  assert.equal(stream(["bc", "abcd"], ["a", "b", "c", "d"]).text, "a");
  assert.equal(
    stream(["c", "abcd"], ["abcd"]).text,
    "ab",
    "the stop string completed first wins, whatever the chunks",
  );
  assert.deepEqual(stream(["xyz"], ["x", "y", "!"]), {
    deltas: ["", "", "xy!", ""],
    text: "xy!",
    stopped: false,
  });
});

Deno.test("no delta ever shows part of a stop string (random streams against the reference)", () => {
  let seed = 1;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const alphabet = "ab\n.";
  for (let trial = 0; trial < 2000; trial++) {
    const stops = Array.from(
      { length: 1 + random(3) },
      () => Array.from({ length: 1 + random(3) }, () => alphabet[random(4)]).join(""),
    );
    const chunks = Array.from(
      { length: 1 + random(8) },
      () => Array.from({ length: random(4) }, () => alphabet[random(4)]).join(""),
    );
    const whole = chunks.join("");
    const expected = reference(stops, whole);
    const { deltas, text, stopped } = stream(stops, chunks);
    assert.equal(text, expected, `${JSON.stringify(stops)} ${JSON.stringify(chunks)}`);
    assert.equal(stopped, stops.some((s) => whole.includes(s)));
    let released = "";
    for (const delta of deltas) {
      released += delta;
      assert.ok(expected.startsWith(released)); // never beyond the final text
    }
  }
});
