import assert from "node:assert/strict";
import { ProtobufWriter } from "./protobuf_writer.ts";
import { readFields, readPackedVarints } from "./protobuf_reader.ts";

Deno.test("writer output matches hand-encoded protobuf bytes (encoding guide examples)", () => {
  // From protobuf.dev's encoding guide: field 1 = 150 → 08 96 01; field 2 = "testing" → 12 07 74 65 73 74 69 6e 67.
  assert.deepEqual([...new ProtobufWriter().varint(1, 150).finish()], [0x08, 0x96, 0x01]);
  assert.deepEqual(
    [...new ProtobufWriter().string(2, "testing").finish()],
    [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67],
  );
  // Negative int64 is ten bytes of two's complement.
  assert.deepEqual(
    [...new ProtobufWriter().varint(1, -1).finish()],
    [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  );
});

Deno.test("reader reads back every wire type the writer writes", () => {
  const bytes = new ProtobufWriter()
    .varint(1, 2n ** 40n)
    .float32(2, 1.5)
    .float64(3, -2.25)
    .message(4, (inner) => inner.string(1, "x"))
    .packedVarints(5, [1, 300, 7])
    .finish();
  const fields = [...readFields(bytes)];
  assert.deepEqual(fields.map((f) => [f.field, f.wireType]), [[1, 0], [2, 5], [3, 1], [4, 2], [5, 2]]);
  assert.equal(fields[0].value, 2n ** 40n);
  assert.equal(new DataView(fields[1].bytes.slice().buffer).getFloat32(0, true), 1.5);
  assert.equal(new DataView(fields[2].bytes.slice().buffer).getFloat64(0, true), -2.25);
  assert.equal(new TextDecoder().decode([...readFields(fields[3].bytes)][0].bytes), "x");
  assert.deepEqual(readPackedVarints(fields[4].bytes), [1n, 300n, 7n]);
});

Deno.test("truncated input is rejected, not misread", () => {
  const bytes = new ProtobufWriter().string(1, "hello").finish();
  assert.throws(() => [...readFields(bytes.subarray(0, 4))], /truncated/);
});
