/**
 * Line charts rendered straight to PNG (training curves, evaluation sweeps) with no dependency beyond
 * `node:zlib`: nice round ticks (1-2-5 steps, or decades on log axes), grid, numeric tick labels, title,
 * axis labels, legend, anti-aliased 2.5-pixel lines. Text uses the built-in 5×9 bitmap font
 * (`_bitmap_font.ts`, printable ASCII).
 *
 * Pixel coordinates: (0, 0) is the top-left corner of the image and pixel (i, j) covers
 * [i, i + 1) × [j, j + 1). Points with a non-finite coordinate (or a non-positive one on a log axis) are
 * left out and the line joins the points around them, so a series sampled at a few steps can mark the
 * others NaN.
 *
 * @module
 */

import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import { GLYPH_ADVANCE, GLYPH_HEIGHT } from "./_bitmap_font.ts";
import { encodePng } from "./_png.ts";
import { Canvas, CoverageMask, type Rgb } from "./_raster.ts";

export type { Rgb };

/**
 * One named line; `color` defaults to the next colour of a ten-colour palette. A line named "" is drawn
 * but left out of the legend (e.g. many thin lines explained by one named one).
 */
export type LineSeries = { name: string; points: [number, number][]; color?: Rgb };

/** What to draw. `width` × `height` default to 800 × 480 pixels. */
export type LineChartSpec = {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
  logX?: boolean;
  logY?: boolean;
};

/** Where a chart's parts land, in pixels (exclusive right/bottom); also used by tests and annotations. */
export type LineChartLayout = {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: number[];
  yTicks: number[];
  xTickLabels: string[];
  yTickLabels: string[];
  /** Data x to pixel x (continuous; the plot's edge pixel centres are the domain's ends). */
  toPixelX: (x: number) => number;
  toPixelY: (y: number) => number;
};

/** The palette used for series without an explicit colour (Tableau 10). */
export const DEFAULT_PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const WHITE: Rgb = [255, 255, 255];
const TEXT: Rgb = [34, 34, 34];
const AXIS: Rgb = [68, 68, 68];
const GRID: Rgb = [232, 232, 232];
const LEGEND_BORDER: Rgb = [200, 200, 200];
const TITLE_SCALE = 2;
const TICK_LENGTH = 5;
const MARGIN = 10;
const LINE_HALF_WIDTH = 1.25;

/**
 * Renders a line chart to PNG bytes (8-bit RGB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLineChartPng } from "./line_chart.ts";
 * const png = renderLineChartPng({
 *   title: "Loss",
 *   xLabel: "step",
 *   yLabel: "loss",
 *   series: [{ name: "train", points: [[0, 4], [100, 2.5], [200, 2.1]] }],
 * });
 * assert.ok(png[1] === 0x50 && png[2] === 0x4e && png[3] === 0x47); // "PNG"
 * ```
 */
export function renderLineChartPng(spec: LineChartSpec): Uint8Array {
  const layout = layoutLineChart(spec);
  const canvas = new Canvas(layout.width, layout.height);
  const { plot } = layout;

  // Grid and frame.
  for (const tick of layout.xTicks) {
    canvas.fillRect(Math.floor(layout.toPixelX(tick)), plot.top, 1, plot.bottom - plot.top, GRID);
  }
  for (const tick of layout.yTicks) {
    canvas.fillRect(plot.left, Math.floor(layout.toPixelY(tick)), plot.right - plot.left, 1, GRID);
  }
  canvas.strokeRect(plot.left, plot.top, plot.right - plot.left, plot.bottom - plot.top, AXIS);

  // Ticks and their labels.
  const xLabels = layout.xTickLabels;
  layout.xTicks.forEach((tick, i) => {
    const x = Math.floor(layout.toPixelX(tick));
    canvas.fillRect(x, plot.bottom, 1, TICK_LENGTH, AXIS);
    canvas.drawText(
      xLabels[i],
      x + 1 - Math.round(textWidth(xLabels[i]) / 2),
      plot.bottom + TICK_LENGTH + 4,
      TEXT,
    );
  });
  const yLabels = layout.yTickLabels;
  layout.yTicks.forEach((tick, i) => {
    const y = Math.floor(layout.toPixelY(tick));
    canvas.fillRect(plot.left - TICK_LENGTH, y, TICK_LENGTH, 1, AXIS);
    canvas.drawText(yLabels[i], plot.left - TICK_LENGTH - 4 - textWidth(yLabels[i]), y - 3, TEXT);
  });

  // Title and axis labels.
  const plotCentreX = Math.round((plot.left + plot.right) / 2);
  canvas.drawText(
    spec.title,
    plotCentreX - Math.round(textWidth(spec.title, TITLE_SCALE) / 2),
    MARGIN,
    TEXT,
    TITLE_SCALE,
  );
  canvas.drawText(
    spec.xLabel,
    plotCentreX - Math.round(textWidth(spec.xLabel) / 2),
    layout.height - MARGIN - GLYPH_HEIGHT,
    TEXT,
  );
  const plotCentreY = Math.round((plot.top + plot.bottom) / 2);
  canvas.drawTextUpward(spec.yLabel, MARGIN, plotCentreY + Math.round(textWidth(spec.yLabel) / 2), TEXT);

  // Series, each anti-aliased through a coverage mask so overlapping segments do not darken joints.
  const colors = spec.series.map((series, i) => series.color ?? DEFAULT_PALETTE[i % DEFAULT_PALETTE.length]);
  const mask = new CoverageMask(plot.left, plot.top, plot.right - plot.left, plot.bottom - plot.top);
  spec.series.forEach((series, i) => {
    mask.clear();
    let previous: [number, number] | undefined;
    for (const [x, y] of series.points) {
      const point: [number, number] = [layout.toPixelX(x), layout.toPixelY(y)];
      if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) continue;
      mask.stampSegment(previous ?? point, point, LINE_HALF_WIDTH);
      previous = point;
    }
    canvas.composite(mask, colors[i]);
  });

  const named = spec.series.flatMap((series, i) => series.name === "" ? [] : [i]);
  drawLegend(canvas, layout, named.map((i) => spec.series[i].name), named.map((i) => colors[i]));
  return encodePng(canvas.width, canvas.height, canvas.pixels);
}

/**
 * Renders a chart and writes it atomically to `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeLineChartPng } from "./line_chart.ts";
 * const path = `${await Deno.makeTempDir()}/loss.png`;
 * await writeLineChartPng(path, { title: "t", xLabel: "x", yLabel: "y", series: [] });
 * assert.ok((await Deno.stat(path)).size > 0);
 * ```
 */
export async function writeLineChartPng(path: string, spec: LineChartSpec): Promise<void> {
  await writeFileAtomic(path, renderLineChartPng(spec));
}

/**
 * Computes plot area, ticks and data-to-pixel mapping without drawing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutLineChart } from "./line_chart.ts";
 * const series = [{ name: "train", points: [[0, 8], [5e6, 1.5]] as [number, number][] }];
 * const layout = layoutLineChart({ title: "Loss", xLabel: "tokens", yLabel: "loss", series });
 * assert.deepEqual(layout.xTickLabels, ["0", "1M", "2M", "3M", "4M", "5M"]);
 * assert.equal(layout.toPixelX(0), layout.plot.left + 0.5);
 * ```
 */
export function layoutLineChart(spec: LineChartSpec): LineChartLayout {
  const width = spec.width ?? 800;
  const height = spec.height ?? 480;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 160 || value > 10_000) {
      throw new RangeError(`line chart ${name} must be an integer in [160, 10000], got ${value}`);
    }
  }
  const logX = spec.logX ?? false;
  const logY = spec.logY ?? false;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const series of spec.series) {
    for (const [x, y] of series.points) {
      if (usable(x, logX) && usable(y, logY)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }

  const top = spec.title === "" ? 2 * MARGIN : MARGIN + GLYPH_HEIGHT * TITLE_SCALE + 12;
  const bottom = height - (MARGIN + GLYPH_HEIGHT + 8 + GLYPH_HEIGHT + 4 + TICK_LENGTH);
  const yTicks = axisTicks(ys, logY, Math.max(2, Math.floor((bottom - top) / 45)));
  const yTickLabels = tickLabels(yTicks, logY);
  const yLabelWidth = Math.max(0, ...yTickLabels.map((label) => textWidth(label)));
  const left = MARGIN + GLYPH_HEIGHT + 10 + yLabelWidth + 4 + TICK_LENGTH;
  const xTicks = axisTicks(xs, logX, Math.max(2, Math.floor((width - left - 2 * MARGIN) / 90)));
  const xTickLabels = tickLabels(xTicks, logX);
  const right = width - Math.max(2 * MARGIN, Math.ceil(textWidth(xTickLabels.at(-1) ?? "") / 2) + 4);

  const xScale = axisScale(xTicks, logX, left + 0.5, right - 0.5);
  const yScale = axisScale(yTicks, logY, bottom - 0.5, top + 0.5);
  return {
    width,
    height,
    plot: { left, top, right, bottom },
    xTicks,
    yTicks,
    xTickLabels,
    yTickLabels,
    toPixelX: xScale,
    toPixelY: yScale,
  };
}

function usable(value: number, log: boolean): boolean {
  return Number.isFinite(value) && (!log || value > 0);
}

/** Tick values spanning the data; the first and last ticks are the axis ends. */
function axisTicks(values: number[], log: boolean, maxIntervals: number): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) [min, max] = log ? [1, 10] : [0, 1];
  return log ? logTicks(min, max, maxIntervals) : linearTicks(min, max, maxIntervals);
}

/** Multiples of the smallest step in {1, 2, 5} × 10^k giving at most `maxIntervals` intervals. */
function linearTicks(min: number, max: number, maxIntervals: number): number[] {
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - pad, max + pad];
  }
  let exponent = Math.floor(Math.log10((max - min) / maxIntervals));
  for (;;) {
    for (const mantissa of [1, 2, 5]) {
      const step = mantissa * 10 ** exponent;
      const first = Math.floor(min / step + 1e-9);
      const last = Math.ceil(max / step - 1e-9);
      if (last - first <= maxIntervals) {
        return Array.from(
          { length: last - first + 1 },
          (_, i) => Number(((first + i) * step).toPrecision(12)),
        );
      }
    }
    exponent++;
  }
}

/** Decades (every k-th if there are many), plus 2 and 5 times each decade when few decades are shown. */
function logTicks(min: number, max: number, maxIntervals: number): number[] {
  const low = Math.floor(Math.log10(min) + 1e-9);
  const decades = Math.max(1, Math.ceil(Math.log10(max) - 1e-9) - low);
  const stride = Math.ceil(decades / maxIntervals);
  const high = low + Math.ceil(decades / stride) * stride;
  const mantissas = decades * 3 <= maxIntervals ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let exponent = low; exponent <= high; exponent += stride) {
    for (const mantissa of exponent === high ? [1] : mantissas) {
      ticks.push(Number((mantissa * 10 ** exponent).toPrecision(12)));
    }
  }
  return ticks;
}

function axisScale(
  ticks: number[],
  log: boolean,
  fromPixel: number,
  toPixel: number,
): (value: number) => number {
  const transform = log ? (value: number) => (value > 0 ? Math.log10(value) : NaN) : (value: number) => value;
  const low = transform(ticks[0]);
  const span = transform(ticks[ticks.length - 1]) - low;
  return (value) => fromPixel + ((transform(value) - low) / span) * (toPixel - fromPixel);
}

/**
 * Short labels: SI suffixes from 10^4 up ("250k", "5M"), exponents below 10^-3 ("2e-4"), otherwise just
 * enough decimals for the tick step. A linear axis formats every label alike; a log axis, each on its own.
 */
function tickLabels(ticks: number[], log: boolean): string[] {
  const largest = Math.max(...ticks.map(Math.abs));
  if (log) {
    // Per tick, but "1k" rather than "1000" next to "10k".
    return ticks.map((tick) =>
      formatTick(tick, tick, largest >= 1e4 && tick >= 1e3 ? Math.max(tick, 1e4) : tick)
    );
  }
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0]) || 1;
  return ticks.map((tick) => formatTick(tick, step, largest));
}

function formatTick(value: number, step: number, largest: number): string {
  if (value === 0) return "0";
  if (largest >= 1e4) {
    const [unit, suffix] = largest >= 1e12
      ? [1e12, "T"]
      : largest >= 1e9
      ? [1e9, "G"]
      : largest >= 1e6
      ? [1e6, "M"]
      : [1e3, "k"];
    return `${fixedDecimals(value / unit, step / unit)}${suffix}`;
  }
  if (largest < 1e-3) return value.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
  return fixedDecimals(value, step);
}

/** `value` with as many decimals as `step` needs, trailing zeros dropped. */
function fixedDecimals(value: number, step: number): string {
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  const text = value.toFixed(decimals);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
}

function drawLegend(canvas: Canvas, layout: LineChartLayout, names: string[], colors: Rgb[]): void {
  if (names.length === 0) return;
  const rowHeight = GLYPH_HEIGHT + 5;
  const sampleLength = 18;
  const boxWidth = 8 + sampleLength + 6 + Math.max(...names.map((name) => textWidth(name))) + 8;
  const boxHeight = 6 + names.length * rowHeight;
  const boxLeft = layout.plot.right - 10 - boxWidth;
  const boxTop = layout.plot.top + 10;
  canvas.fillRect(boxLeft, boxTop, boxWidth, boxHeight, WHITE);
  canvas.strokeRect(boxLeft, boxTop, boxWidth, boxHeight, LEGEND_BORDER);
  names.forEach((name, i) => {
    const rowTop = boxTop + 5 + i * rowHeight;
    canvas.fillRect(boxLeft + 8, rowTop + 3, sampleLength, 3, colors[i]);
    canvas.drawText(name, boxLeft + 8 + sampleLength + 6, rowTop, TEXT);
  });
}
