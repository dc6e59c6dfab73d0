/**
 * Minimal PNG writer: 8-bit RGB, one IDAT, no ancillary chunks (PNG specification, third edition).
 *
 * @module
 */

import { crc32, deflateSync } from "node:zlib";

/**
 * PNG (8-bit RGB, filter type 0 on every scanline, zlib-deflated IDAT) from packed RGB pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "./_png.ts";
 * const png = encodePng(2, 1, new Uint8Array([255, 0, 0, 0, 0, 255])); // a red and a blue pixel
 * assert.deepEqual([...png.subarray(12, 16)], [0x49, 0x48, 0x44, 0x52]); // "IHDR" comes first
 * ```
 */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const stride = width * 3;
  const scanlines = new Uint8Array((stride + 1) * height);
  for (let row = 0; row < height; row++) {
    scanlines.set(rgb.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filters, no interlace
  const compressed = deflateSync(scanlines, { level: 9 });
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** length (u32 BE) · type · data · CRC-32 of type and data (u32 BE). */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)) >>> 0);
  return chunk;
}
