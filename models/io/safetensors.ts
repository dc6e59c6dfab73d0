/**
 * Read and write the Hugging Face safetensors format
 * (https://github.com/huggingface/safetensors, reference implementation `safetensors/src/tensor.rs`).
 *
 *     bytes 0..8        N, header length, unsigned 64-bit little-endian
 *     bytes 8..8+N      JSON header, UTF-8, padded with spaces to a multiple of 8 bytes:
 *                       {"__metadata__": {string: string} (optional),
 *                        "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 *     bytes 8+N..       tensor data, C order, little-endian; offsets are relative to this region
 *
 * The encoder is byte-compatible with the reference: compact JSON, `__metadata__` first, tensors in
 * descending dtype alignment then by name (so every tensor starts on a multiple of its element size),
 * 8-byte header padding. Metadata keys are sorted (the reference writes them in hash order).
 *
 * Decoded tensors own fresh, aligned copies of their data (they never alias the input buffer). Only
 * little-endian hosts are supported (every platform Deno ships for).
 *
 * @module
 */

import { writeFileAtomic } from "./atomic_write.ts";

/** Typed-array class used for each supported safetensors dtype. */
export type TensorDataByDtype = {
  F64: Float64Array;
  F32: Float32Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
  I32: Int32Array;
  U32: Uint32Array;
  I16: Int16Array;
  U16: Uint16Array;
  I8: Int8Array;
  U8: Uint8Array;
};

/** A safetensors dtype this module reads and writes. (F16, BF16, BOOL and F8 are not supported.) */
export type SafetensorsDtype = keyof TensorDataByDtype;

/** One tensor: `data.length` equals the product of `shape` (1 for the scalar shape `[]`). */
export type NamedTensor = {
  [D in SafetensorsDtype]: { dtype: D; shape: number[]; data: TensorDataByDtype[D] };
}[SafetensorsDtype];

/** A decoded file: tensors by name and the `__metadata__` string map (empty if absent). */
export type SafetensorsContent = {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
};

/** Thrown when bytes are not a valid safetensors file or tensors cannot be written as one. */
export class SafetensorsFormatError extends Error {
  override name = "SafetensorsFormatError";
}

type TypedArrayConstructor = {
  new (length: number): NamedTensor["data"];
  readonly BYTES_PER_ELEMENT: number;
};

/** Element class per dtype; `rank` is the reference `Dtype` enum order (larger = more aligned). */
const DTYPES: Record<SafetensorsDtype, { array: TypedArrayConstructor; rank: number }> = {
  U8: { array: Uint8Array, rank: 1 },
  I8: { array: Int8Array, rank: 2 },
  I16: { array: Int16Array, rank: 5 },
  U16: { array: Uint16Array, rank: 6 },
  I32: { array: Int32Array, rank: 9 },
  U32: { array: Uint32Array, rank: 10 },
  F32: { array: Float32Array, rank: 11 },
  F64: { array: Float64Array, rank: 12 },
  I64: { array: BigInt64Array, rank: 13 },
  U64: { array: BigUint64Array, rank: 14 },
};

/** Same limit as the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = "__metadata__";
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const textEncoder = new TextEncoder();

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes.
 *
 * @throws {SafetensorsFormatError} on a dtype/array mismatch, a shape that disagrees with the data
 * length, an invalid shape, or a tensor named `__metadata__`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors(
 *   { "wte.weight": { dtype: "F32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } },
 *   { format: "pt" },
 * );
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * assert.ok(tensors["wte.weight"].data[3] === 4 && metadata.format === "pt");
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  requireLittleEndianHost();
  const entries = Object.entries(tensors).map(([name, tensor]) => {
    validateTensor(name, tensor);
    return { name, nameBytes: textEncoder.encode(name), tensor };
  });
  entries.sort((a, b) =>
    DTYPES[b.tensor.dtype].rank - DTYPES[a.tensor.dtype].rank || compareBytes(a.nameBytes, b.nameBytes)
  );

  // JSON is assembled by hand: a JS object would hoist integer-like keys ("0", "1") to the front and
  // treat "__proto__" specially, and the reference's key order must be kept byte for byte.
  const members: string[] = [];
  if (metadata !== undefined) members.push(`"${METADATA_KEY}":${metadataJson(metadata)}`);
  let offset = 0;
  for (const { name, tensor } of entries) {
    const end = offset + tensor.data.byteLength;
    const info = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, end] };
    members.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const json = textEncoder.encode(`{${members.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const { tensor } of entries) {
    const data = tensor.data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

/**
 * Parses and validates safetensors bytes. Checks, like the reference: header length within the
 * buffer and at most {@linkcode MAX_HEADER_BYTES}; header is UTF-8 JSON object; every entry has a
 * known dtype, a shape of non-negative integers and `data_offsets` that, sorted, tile the data region
 * exactly (contiguous, no overlap, no gap, ending at the end of the buffer) with `end - begin` equal to
 * the element count times the dtype size; `__metadata__` maps strings to strings.
 *
 * @throws {SafetensorsFormatError} naming what is wrong and, where relevant, which tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, SafetensorsFormatError } from "./safetensors.ts";
 * assert.throws(() => decodeSafetensors(new Uint8Array(4)), SafetensorsFormatError); // too short
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  requireLittleEndianHost();
  if (bytes.length < 8) {
    throw new SafetensorsFormatError(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredLength = view.getBigUint64(0, true);
  if (declaredLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsFormatError(
      `header length ${declaredLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const headerLength = Number(declaredLength);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsFormatError(
      `header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`,
    );
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLength));
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const infos: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else infos.push({ name, ...parseTensorInfo(name, value) });
  }

  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const info of infos) {
    if (info.begin !== expectedBegin) {
      const problem = info.begin < expectedBegin
        ? "overlaps the previous tensor"
        : "leaves a gap after the previous tensor";
      throw new SafetensorsFormatError(
        `tensor "${info.name}": data_offsets [${info.begin}, ${info.end}] ${problem} (expected begin ${expectedBegin})`,
      );
    }
    const expectedBytes = elementCount(info.shape) * DTYPES[info.dtype].array.BYTES_PER_ELEMENT;
    if (info.end - info.begin !== expectedBytes) {
      throw new SafetensorsFormatError(
        `tensor "${info.name}": data_offsets span ${info.end - info.begin} bytes but ${info.dtype} ` +
          `shape [${info.shape}] needs ${expectedBytes}`,
      );
    }
    if (info.end > dataLength) {
      throw new SafetensorsFormatError(
        `tensor "${info.name}": data_offsets end ${info.end} is past the ${dataLength}-byte data region (truncated?)`,
      );
    }
    expectedBegin = info.end;
  }
  if (expectedBegin !== dataLength) {
    throw new SafetensorsFormatError(
      `tensors cover ${expectedBegin} bytes but the data region holds ${dataLength} (trailing bytes)`,
    );
  }

  const tensors = Object.fromEntries(infos.map((info) => {
    const { array } = DTYPES[info.dtype];
    const data = new array((info.end - info.begin) / array.BYTES_PER_ELEMENT);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + info.begin, dataStart + info.end));
    return [info.name, { dtype: info.dtype, shape: info.shape, data } as NamedTensor];
  }));
  return { tensors, metadata };
}

/**
 * Writes a safetensors file atomically (a crash leaves the previous file, never a partial one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSafetensors, saveSafetensors } from "./safetensors.ts";
 * const path = `${await Deno.makeTempDir()}/model.safetensors`;
 * await saveSafetensors(path, { step: { dtype: "I64", shape: [], data: new BigInt64Array([42n]) } });
 * assert.ok((await loadSafetensors(path)).tensors.step.data[0] === 42n);
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads and validates a safetensors file (see {@linkcode decodeSafetensors}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSafetensors, saveSafetensors } from "./safetensors.ts";
 * const path = `${await Deno.makeTempDir()}/bias.safetensors`;
 * await saveSafetensors(path, { bias: { dtype: "F64", shape: [2], data: new Float64Array([0.5, -1]) } });
 * const { tensors } = await loadSafetensors(path);
 * assert.ok(tensors.bias.shape[0] === 2);
 * ```
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContent> {
  return decodeSafetensors(await Deno.readFile(path));
}

function requireLittleEndianHost(): void {
  if (!hostIsLittleEndian) throw new SafetensorsFormatError("safetensors I/O needs a little-endian host");
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dimension of shape) count *= dimension;
  return count;
}

function validShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
    Number.isSafeInteger(elementCount(shape));
}

function validateTensor(name: string, tensor: NamedTensor): void {
  if (name === METADATA_KEY) {
    throw new SafetensorsFormatError(`"${METADATA_KEY}" is reserved, not a tensor name`);
  }
  const spec = Object.hasOwn(DTYPES, tensor.dtype) ? DTYPES[tensor.dtype] : undefined;
  if (spec === undefined) {
    throw new SafetensorsFormatError(`tensor "${name}": unsupported dtype ${tensor.dtype}`);
  }
  if (!(tensor.data instanceof spec.array)) {
    throw new SafetensorsFormatError(
      `tensor "${name}": dtype ${tensor.dtype} needs a ${spec.array.name}, got ${tensor.data?.constructor?.name}`,
    );
  }
  if (!validShape(tensor.shape)) {
    throw new SafetensorsFormatError(
      `tensor "${name}": shape must be non-negative integers, got ${tensor.shape}`,
    );
  }
  if (elementCount(tensor.shape) !== tensor.data.length) {
    throw new SafetensorsFormatError(
      `tensor "${name}": shape [${tensor.shape}] holds ${
        elementCount(tensor.shape)
      } elements, data has ${tensor.data.length}`,
    );
  }
}

/** `{"key":"value",...}` with keys in code-unit order, so equal metadata always gives equal bytes. */
function metadataJson(metadata: Record<string, string>): string {
  const members = Object.keys(metadata).sort().map((key) => {
    const value = metadata[key];
    if (typeof value !== "string") {
      throw new SafetensorsFormatError(`metadata "${key}" must be a string, got ${typeof value}`);
    }
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${members.join(",")}}`;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsFormatError("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new SafetensorsFormatError("header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsFormatError(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(header)) throw new SafetensorsFormatError("header is not a JSON object");
  return header;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw new SafetensorsFormatError(`"${METADATA_KEY}" is not an object`);
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string") {
      throw new SafetensorsFormatError(`"${METADATA_KEY}"."${key}" is not a string`);
    }
  }
  return value as Record<string, string>;
}

function parseTensorInfo(
  name: string,
  value: unknown,
): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
  if (!isPlainObject(value)) throw new SafetensorsFormatError(`tensor "${name}": entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPES, dtype)) {
    throw new SafetensorsFormatError(
      `tensor "${name}": unknown or unsupported dtype ${JSON.stringify(dtype)} (supported: ${
        Object.keys(DTYPES)
      })`,
    );
  }
  if (!validShape(shape)) {
    throw new SafetensorsFormatError(
      `tensor "${name}": shape must be non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]
  ) {
    throw new SafetensorsFormatError(
      `tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end, got ${
        JSON.stringify(offsets)
      }`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape, begin: offsets[0], end: offsets[1] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Byte-wise comparison of UTF-8 names: the order Rust's `String::cmp` gives the reference. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}
