/**
 * The small RGB raster behind the line charts: rectangles, bitmap text (upright and rotated), and
 * anti-aliased strokes accumulated in a coverage mask and blended once per series.
 *
 * @module
 */

import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from "./_bitmap_font.ts";

/** An sRGB colour, components 0–255. */
export type Rgb = [number, number, number];

/**
 * An RGB raster (white to start) with the few drawing operations a chart needs; everything is clipped
 * to the image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Canvas } from "./_raster.ts";
 * const canvas = new Canvas(20, 12);
 * canvas.drawText("Hi", 1, 1, [0, 0, 0]);
 * assert.deepEqual([...canvas.pixels.subarray(3 * (1 * 20 + 1), 3 * (1 * 20 + 2))], [0, 0, 0]); // H's stem
 * ```
 */
export class Canvas {
  readonly pixels: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + width);
    const y1 = Math.min(this.height, y + height);
    for (let row = y0; row < y1; row++) {
      for (let column = x0; column < x1; column++) this.pixels.set(color, (row * this.width + column) * 3);
    }
  }

  strokeRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    this.fillRect(x, y, width, 1, color);
    this.fillRect(x, y + height - 1, width, 1, color);
    this.fillRect(x, y, 1, height, color);
    this.fillRect(x + width - 1, y, 1, height, color);
  }

  /** Text whose top-left glyph corner is (x, y); each font pixel becomes a `scale`×`scale` block. */
  drawText(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    for (let i = 0; i < text.length; i++) {
      const rows = glyphRows(text[i]);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if (rows[row] & (0x10 >> column)) {
            this.fillRect(x + (i * GLYPH_ADVANCE + column) * scale, y + row * scale, scale, scale, color);
          }
        }
      }
    }
  }

  /** Text rotated a quarter turn counter-clockwise, reading upward from (x, y) (its bottom-left corner). */
  drawTextUpward(text: string, x: number, y: number, color: Rgb): void {
    for (let i = 0; i < text.length; i++) {
      const rows = glyphRows(text[i]);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if (rows[row] & (0x10 >> column)) {
            this.fillRect(x + row, y - 1 - (i * GLYPH_ADVANCE + column), 1, 1, color);
          }
        }
      }
    }
  }

  /** Blends `color` over the image with the mask's coverage as opacity. */
  composite(mask: CoverageMask, color: Rgb): void {
    for (let row = 0; row < mask.height; row++) {
      for (let column = 0; column < mask.width; column++) {
        const alpha = mask.coverage[row * mask.width + column];
        if (alpha === 0) continue;
        const offset = ((mask.top + row) * this.width + mask.left + column) * 3;
        for (let channel = 0; channel < 3; channel++) {
          const background = this.pixels[offset + channel];
          this.pixels[offset + channel] = Math.round(background + (color[channel] - background) * alpha);
        }
      }
    }
  }
}

/** Per-pixel coverage (0–1) of one series inside the plot rectangle; strokes combine by maximum. */
export class CoverageMask {
  readonly coverage: Float32Array;
  constructor(readonly left: number, readonly top: number, readonly width: number, readonly height: number) {
    this.coverage = new Float32Array(width * height);
  }

  clear(): void {
    this.coverage.fill(0);
  }

  /**
   * A round-capped stroke from `a` to `b` (image pixel coordinates): coverage of a pixel is
   * clamp(halfWidth + 0.5 - distance from its centre to the segment, 0, 1). Walks the segment's major
   * axis and visits only the band of pixels around it.
   */
  stampSegment(a: [number, number], b: [number, number], halfWidth: number): void {
    const xMajor = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]);
    // Work in (major, minor) coordinates: major is the axis along which the segment is longer.
    const [a0, a1, b0, b1] = xMajor ? [a[0], a[1], b[0], b[1]] : [a[1], a[0], b[1], b[0]];
    const [majorOrigin, minorOrigin, majorSize, minorSize] = xMajor
      ? [this.left, this.top, this.width, this.height]
      : [this.top, this.left, this.height, this.width];
    const d0 = b0 - a0;
    const d1 = b1 - a1;
    const lengthSquared = d0 * d0 + d1 * d1;
    const slope = d0 === 0 ? 0 : d1 / d0;
    const reach = halfWidth + 1;
    const band = reach * Math.sqrt(1 + slope * slope);
    const majorStart = Math.max(0, Math.floor(Math.min(a0, b0) - reach) - majorOrigin);
    const majorEnd = Math.min(majorSize - 1, Math.ceil(Math.max(a0, b0) + reach) - majorOrigin);
    for (let major = majorStart; major <= majorEnd; major++) {
      const centreMajor = majorOrigin + major + 0.5;
      const clamped = Math.min(Math.max(centreMajor, Math.min(a0, b0)), Math.max(a0, b0));
      const lineMinor = d0 === 0 ? a1 : a1 + (clamped - a0) * slope;
      const minorStart = Math.max(0, Math.floor(lineMinor - band) - minorOrigin);
      const minorEnd = Math.min(minorSize - 1, Math.ceil(lineMinor + band) - minorOrigin);
      for (let minor = minorStart; minor <= minorEnd; minor++) {
        const centreMinor = minorOrigin + minor + 0.5;
        const t = lengthSquared === 0
          ? 0
          : Math.min(1, Math.max(0, ((centreMajor - a0) * d0 + (centreMinor - a1) * d1) / lengthSquared));
        const distance = Math.hypot(centreMajor - (a0 + t * d0), centreMinor - (a1 + t * d1));
        const value = Math.min(1, halfWidth + 0.5 - distance);
        const index = xMajor ? minor * this.width + major : major * this.width + minor;
        if (value > this.coverage[index]) this.coverage[index] = value;
      }
    }
  }
}
