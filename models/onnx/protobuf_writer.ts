/**
 * Protocol Buffers wire-format writer: just enough to serialise ONNX models.
 *
 * Field encoding follows https://protobuf.dev/programming-guides/encoding/:
 * a key `(field << 3) | wireType`, then a varint, a fixed 32/64-bit value or
 * a length-delimited payload.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** Appends protobuf fields to a growable byte buffer. */
export class ProtobufWriter {
  #bytes = new Uint8Array(256);
  #length = 0;

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < this.#length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  #rawVarint(value: bigint): void {
    // Negative int64 values are encoded as their two's complement (10 bytes).
    let v = BigInt.asUintN(64, value);
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#bytes[this.#length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#bytes[this.#length++] = Number(v);
  }

  #key(field: number, wireType: number): void {
    this.#rawVarint(BigInt((field << 3) | wireType));
  }

  /** int32/int64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    this.#key(field, WIRE_VARINT);
    this.#rawVarint(BigInt(value));
    return this;
  }

  /** float field (fixed32, little-endian). */
  float32(field: number, value: number): this {
    this.#key(field, WIRE_FIXED32);
    this.#reserve(4);
    new DataView(this.#bytes.buffer).setFloat32(this.#length, value, true);
    this.#length += 4;
    return this;
  }

  /** double field (fixed64, little-endian). */
  float64(field: number, value: number): this {
    this.#key(field, WIRE_FIXED64);
    this.#reserve(8);
    new DataView(this.#bytes.buffer).setFloat64(this.#length, value, true);
    this.#length += 8;
    return this;
  }

  /** bytes field, or an embedded message already serialised. */
  bytes(field: number, payload: Uint8Array): this {
    this.#key(field, WIRE_LENGTH_DELIMITED);
    this.#rawVarint(BigInt(payload.length));
    this.#reserve(payload.length);
    this.#bytes.set(payload, this.#length);
    this.#length += payload.length;
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Embedded message built by `build`. */
  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated varints (int64 dims, ints attributes). */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) {
      inner.#rawVarint(BigInt(values[i]));
    }
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated floats. */
  packedFloat32(field: number, values: ArrayLike<number>): this {
    const payload = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) payload[i] = values[i];
    return this.bytes(field, littleEndianBytes(payload));
  }
}

/** The bytes of a typed array in little-endian order (the host order on x86 and ARM). */
export function littleEndianBytes(
  array: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array,
): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
