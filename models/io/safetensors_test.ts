import assert from "node:assert/strict";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  type NamedTensor,
  SafetensorsFormatError,
  saveSafetensors,
} from "./safetensors.ts";

const textEncoder = new TextEncoder();

/** A file from a header text (padded to 8 bytes with spaces) and a data region, bypassing the encoder. */
function rawFile(
  headerText: string,
  data: Uint8Array = new Uint8Array(0),
  declaredLength?: bigint,
): Uint8Array {
  const json = textEncoder.encode(headerText);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(padded), true);
  out.set(json, 8);
  out.set(data, 8 + padded);
  return out;
}

function bytesOf(data: NamedTensor["data"]): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function assertFormatError(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes), (error: unknown) => {
    assert.ok(error instanceof SafetensorsFormatError, `expected SafetensorsFormatError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("golden file: bytes computed by hand from the format description", () => {
  // Header (138 bytes, counted by hand), F32 before U8 (descending alignment), then 6 spaces -> 144.
  const header = '{"__metadata__":{"format":"pt"},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"a":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
  assert.equal(header.length, 138);
  const expected = new Uint8Array([
    0x90,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // header length 144, u64 little-endian
    ...[...header].map((c) => c.charCodeAt(0)),
    0x20,
    0x20,
    0x20,
    0x20,
    0x20,
    0x20, // padding to a multiple of 8
    0x00,
    0x00,
    0x80,
    0x3f, // b[0] = 1.0f
    0x00,
    0x00,
    0x00,
    0xc0, // b[1] = -2.0f
    0x01,
    0x02,
    0x03, // a = [1, 2, 3]
  ]);
  assert.equal(expected.length, 163);
  const encoded = encodeSafetensors({
    a: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) },
    b: { dtype: "F32", shape: [2], data: new Float32Array([1, -2]) },
  }, { format: "pt" });
  assert.deepEqual(encoded, expected);
  const decoded = decodeSafetensors(expected);
  assert.deepEqual(decoded.metadata, { format: "pt" });
  assert.deepEqual(decoded.tensors.b, { dtype: "F32", shape: [2], data: new Float32Array([1, -2]) });
  assert.deepEqual(decoded.tensors.a, { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) });
});

Deno.test("golden files from the reference implementation's own tests (safetensors/src/tensor.rs)", () => {
  const attn = new Float32Array([0, 1, 2, 3, 4, 5]);
  // test_serialization: "attn.0" F32 [1, 2, 3]; the 64-byte header needs no padding.
  assert.deepEqual(
    encodeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data: attn } }),
    new Uint8Array([
      64,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      123,
      34,
      97,
      116,
      116,
      110,
      46,
      48,
      34,
      58,
      123,
      34,
      100,
      116,
      121,
      112,
      101,
      34,
      58,
      34,
      70,
      51,
      50,
      34,
      44,
      34,
      115,
      104,
      97,
      112,
      101,
      34,
      58,
      91,
      49,
      44,
      50,
      44,
      51,
      93,
      44,
      34,
      100,
      97,
      116,
      97,
      95,
      111,
      102,
      102,
      115,
      101,
      116,
      115,
      34,
      58,
      91,
      48,
      44,
      50,
      52,
      93,
      125,
      125,
      0,
      0,
      0,
      0,
      0,
      0,
      128,
      63,
      0,
      0,
      0,
      64,
      0,
      0,
      64,
      64,
      0,
      0,
      128,
      64,
      0,
      0,
      160,
      64,
    ]),
  );
  // test_serialization_forced_alignement: "attn0" F32 [1, 1, 2, 3]; 7 spaces of padding.
  assert.deepEqual(
    encodeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: attn } }),
    new Uint8Array([
      72,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      123,
      34,
      97,
      116,
      116,
      110,
      48,
      34,
      58,
      123,
      34,
      100,
      116,
      121,
      112,
      101,
      34,
      58,
      34,
      70,
      51,
      50,
      34,
      44,
      34,
      115,
      104,
      97,
      112,
      101,
      34,
      58,
      91,
      49,
      44,
      49,
      44,
      50,
      44,
      51,
      93,
      44,
      34,
      100,
      97,
      116,
      97,
      95,
      111,
      102,
      102,
      115,
      101,
      116,
      115,
      34,
      58,
      91,
      48,
      44,
      50,
      52,
      93,
      125,
      125,
      32,
      32,
      32,
      32,
      32,
      32,
      32,
      0,
      0,
      0,
      0,
      0,
      0,
      128,
      63,
      0,
      0,
      0,
      64,
      0,
      0,
      64,
      64,
      0,
      0,
      128,
      64,
      0,
      0,
      160,
      64,
    ]),
  );
  // test_empty: no tensors, without and with metadata.
  assert.deepEqual(
    encodeSafetensors({}),
    new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]),
  );
  assert.deepEqual(
    encodeSafetensors({}, { framework: "pt" }),
    new Uint8Array([
      40,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      123,
      34,
      95,
      95,
      109,
      101,
      116,
      97,
      100,
      97,
      116,
      97,
      95,
      95,
      34,
      58,
      123,
      34,
      102,
      114,
      97,
      109,
      101,
      119,
      111,
      114,
      107,
      34,
      58,
      34,
      112,
      116,
      34,
      125,
      125,
      32,
      32,
      32,
      32,
      32,
    ]),
  );
  assert.deepEqual(decodeSafetensors(encodeSafetensors({}, { framework: "pt" })), {
    tensors: {},
    metadata: { framework: "pt" },
  });
});

Deno.test("round trip of every dtype, including scalar and empty tensors", () => {
  const tensors: Record<string, NamedTensor> = {
    f64: { dtype: "F64", shape: [2, 2], data: new Float64Array([Math.PI, -0, Infinity, NaN]) },
    f32: { dtype: "F32", shape: [3], data: new Float32Array([1.5, -1e-30, NaN]) },
    i64: { dtype: "I64", shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 7n]) },
    u64: { dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
    i32: { dtype: "I32", shape: [2, 1], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    u32: { dtype: "U32", shape: [1], data: new Uint32Array([2 ** 32 - 1]) },
    i16: { dtype: "I16", shape: [2], data: new Int16Array([-32768, 32767]) },
    u16: { dtype: "U16", shape: [1], data: new Uint16Array([65535]) },
    i8: { dtype: "I8", shape: [2], data: new Int8Array([-128, 127]) },
    u8: { dtype: "U8", shape: [1, 1, 3], data: new Uint8Array([0, 128, 255]) },
    scalar_f32: { dtype: "F32", shape: [], data: new Float32Array([0.25]) },
    scalar_i64: { dtype: "I64", shape: [], data: new BigInt64Array([-5n]) },
    empty_f32: { dtype: "F32", shape: [0], data: new Float32Array(0) },
    empty_u8: { dtype: "U8", shape: [4, 0, 2], data: new Uint8Array(0) },
  };
  const bytes = encodeSafetensors(tensors, { step: "1200", 'note "quoted" ✓': "line\nbreak" });
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual(decoded.metadata, { step: "1200", 'note "quoted" ✓': "line\nbreak" });
  assert.deepEqual(Object.keys(decoded.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, tensor] of Object.entries(tensors)) {
    const got = decoded.tensors[name];
    assert.equal(got.dtype, tensor.dtype, name);
    assert.deepEqual(got.shape, tensor.shape, name);
    assert.equal(got.data.constructor, tensor.data.constructor, name);
    assert.deepEqual(bytesOf(got.data), bytesOf(tensor.data), name); // bit-exact, NaN and -0 included
  }
  // Every tensor starts on a multiple of its element size within the data region.
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  for (const [name, tensor] of Object.entries(tensors)) {
    assert.equal(header[name].data_offsets[0] % tensor.data.BYTES_PER_ELEMENT, 0, name);
  }
});

Deno.test("encoding is deterministic: insertion order does not matter, names sort byte-wise", () => {
  const one = (value: number): NamedTensor => ({ dtype: "F32", shape: [1], data: new Float32Array([value]) });
  const forward = encodeSafetensors({ "10": one(1), "2": one(2), b: one(3), a: one(4) }, {
    zeta: "1",
    alpha: "2",
  });
  const backward = encodeSafetensors({ a: one(4), b: one(3), "2": one(2), "10": one(1) }, {
    alpha: "2",
    zeta: "1",
  });
  assert.deepEqual(forward, backward);
  const headerText = new TextDecoder().decode(forward.subarray(8));
  const positions = ['"__metadata__":{', ...['"10"', '"2"', '"a"', '"b"'].map((key) => `${key}:{"dtype"`)]
    .map((member) => headerText.indexOf(member));
  assert.ok(positions.every((position) => position > 0));
  assert.deepEqual(positions, [...positions].sort((x, y) => x - y));
  assert.deepEqual(decodeSafetensors(forward).tensors["10"].data, new Float32Array([1]));
});

Deno.test("decoded tensors are aligned copies that do not alias the input", () => {
  const file = encodeSafetensors({ x: { dtype: "F64", shape: [2], data: new Float64Array([1, 2]) } });
  const shifted = new Uint8Array(file.length + 3).subarray(3); // misaligned view into a bigger buffer
  shifted.set(file);
  const { tensors } = decodeSafetensors(shifted);
  shifted.fill(0);
  assert.deepEqual(tensors.x.data, new Float64Array([1, 2]));
});

Deno.test("malformed files are rejected with SafetensorsFormatError", () => {
  const good = encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
  const eight = new Uint8Array(8);
  assertFormatError(new Uint8Array(5), /shorter than the 8-byte header length/);
  assertFormatError(good.subarray(0, good.length - 1), /past the 7-byte data region/);
  assertFormatError(good.subarray(0, 20), /runs past the end/);
  assertFormatError(rawFile("{}", eight, 4096n), /runs past the end/);
  assertFormatError(rawFile("{}", eight, BigInt(MAX_HEADER_BYTES) + 1n), /exceeds the 100000000-byte limit/);
  assertFormatError(rawFile("{}", eight, 2n ** 64n - 1n), /exceeds/);
  assertFormatError(rawFile("{}", new Uint8Array(0), 0n), /does not start with/);
  assertFormatError(
    rawFile('{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', new Uint8Array(2)),
    /dtype "F16"/,
  );
  assertFormatError(
    rawFile('{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)),
    /dtype "Q4"/,
  );
  assertFormatError(
    rawFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /needs 8/,
  );
  assertFormatError(rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight), /gap/);
  assertFormatError(
    rawFile(
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      eight,
    ),
    /overlaps/,
  );
  assertFormatError(
    rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', eight),
    /trailing bytes/,
  );
  assertFormatError(rawFile('{"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}', eight), /begin <= end/);
  assertFormatError(rawFile('{"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}', eight), /data_offsets/);
  assertFormatError(rawFile('{"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}', eight), /shape/);
  assertFormatError(rawFile('{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', eight), /shape/);
  assertFormatError(rawFile('{"w":{"dtype":"U8","shape":[1]}}', eight), /data_offsets/);
  assertFormatError(rawFile('{"w":[1,2]}', eight), /entry is not an object/);
  assertFormatError(rawFile('{"__metadata__":{"n":1}}'), /"__metadata__"."n" is not a string/);
  assertFormatError(rawFile("[1,2]"), /does not start with '\{'/);
  assertFormatError(rawFile('{"w":'), /not valid JSON/);
  const badUtf8 = rawFile('{"w"}');
  badUtf8[10] = 0xff;
  assertFormatError(badUtf8, /not valid UTF-8/);
});

Deno.test("the encoder refuses tensors it cannot write faithfully", () => {
  const expectError = (tensors: Record<string, NamedTensor>, message: RegExp) =>
    assert.throws(() => encodeSafetensors(tensors), (error: unknown) => {
      assert.ok(error instanceof SafetensorsFormatError);
      assert.match(error.message, message);
      return true;
    });
  const wrongArray = { dtype: "F32", shape: [1], data: new Float64Array([1]) } as unknown as NamedTensor;
  expectError({ w: wrongArray }, /needs a Float32Array, got Float64Array/);
  expectError({ w: { dtype: "F32", shape: [3], data: new Float32Array(2) } }, /holds 3 elements, data has 2/);
  expectError({ w: { dtype: "U8", shape: [-1], data: new Uint8Array(0) } }, /non-negative integers/);
  expectError({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } }, /reserved/);
  const unknown = { dtype: "F16", shape: [1], data: new Uint16Array(1) } as unknown as NamedTensor;
  expectError({ w: unknown }, /unsupported dtype F16/);
});

Deno.test("saveSafetensors writes atomically and loadSafetensors reads it back", async () => {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/model.safetensors`;
  try {
    const weights = new Float32Array(10_000).map((_, i) => Math.sin(i));
    await saveSafetensors(path, { w: { dtype: "F32", shape: [100, 100], data: weights } }, { version: "3" });
    const loaded = await loadSafetensors(path);
    assert.deepEqual(loaded.tensors.w.data, weights);
    assert.deepEqual(loaded.metadata, { version: "3" });
    const names = [];
    for await (const entry of Deno.readDir(directory)) names.push(entry.name);
    assert.deepEqual(names, ["model.safetensors"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
