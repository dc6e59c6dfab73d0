/**
 * Protocol Buffers wire-format reader: iterates the fields of one message.
 * Enough to read ONNX initializers back from a model file.
 */

export interface ProtobufField {
  field: number;
  wireType: number;
  /** Varint and fixed values. */
  value: bigint;
  /** Length-delimited payload (bytes, string, embedded message, packed repeated). */
  bytes: Uint8Array;
}

export class ProtobufFormatError extends Error {
  override name = "ProtobufFormatError";
}

/** Yields each field of the message in `bytes`, in order. */
export function* readFields(bytes: Uint8Array): Generator<ProtobufField> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= bytes.length) throw new ProtobufFormatError("truncated varint");
      const byte = bytes[offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufFormatError("varint longer than 64 bits");
    }
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const empty = new Uint8Array(0);
  while (offset < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) {
      yield { field, wireType, value: varint(), bytes: empty };
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (offset + size > bytes.length) throw new ProtobufFormatError("truncated fixed field");
      const value = size === 8 ? view.getBigUint64(offset, true) : BigInt(view.getUint32(offset, true));
      yield { field, wireType, value, bytes: bytes.subarray(offset, offset + size) };
      offset += size;
    } else if (wireType === 2) {
      const length = Number(varint());
      if (offset + length > bytes.length) throw new ProtobufFormatError("truncated length-delimited field");
      yield { field, wireType, value: BigInt(length), bytes: bytes.subarray(offset, offset + length) };
      offset += length;
    } else {
      throw new ProtobufFormatError(`unsupported wire type ${wireType}`);
    }
  }
}

/** Values of a packed repeated varint field. */
export function readPackedVarints(bytes: Uint8Array): bigint[] {
  const values: bigint[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= bytes.length) throw new ProtobufFormatError("truncated packed varint");
      const byte = bytes[offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    values.push(result);
  }
  return values;
}
