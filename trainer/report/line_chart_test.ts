import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { GLYPH_HEIGHT, glyphRows } from "./_bitmap_font.ts";
import {
  layoutLineChart,
  type LineChartSpec,
  renderLineChartPng,
  type Rgb,
  writeLineChartPng,
} from "./line_chart.ts";

// ---- A minimal, independent PNG reader (8-bit greyscale/RGB/RGBA, all five filter types) ----

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309 / PNG spec annex D), bitwise table method. */
function crc32Reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type DecodedPng = { width: number; height: number; chunkTypes: string[]; rgb: Uint8Array };

function decodePng(png: Uint8Array): DecodedPng {
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    "PNG signature",
  );
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunkTypes: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let channels = 0;
  for (let offset = 8; offset < png.length;) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    assert.equal(
      view.getUint32(offset + 8 + length),
      crc32Reference(png.subarray(offset + 4, offset + 8 + length)),
      `${type} CRC`,
    );
    chunkTypes.push(type);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8, 13);
      assert.deepEqual([bitDepth, compression, filter, interlace], [8, 0, 0, 0]);
      channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[colorType];
      assert.ok(channels, `colour type ${colorType}`);
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  assert.equal(chunkTypes[0], "IHDR");
  assert.equal(chunkTypes.at(-1), "IEND");
  const compressed = new Uint8Array(idat.reduce((sum, part) => sum + part.length, 0));
  idat.reduce((offset, part) => (compressed.set(part, offset), offset + part.length), 0);
  const raw = new Uint8Array(inflateSync(compressed));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), "one filter byte plus one row of samples per scanline");
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`unknown filter type ${filter}`);
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) rgb[p * 3 + k] = pixels[p * channels + (channels === 1 ? 0 : k)];
  }
  return { width, height, chunkTypes, rgb };
}

function pixelAt(image: DecodedPng, x: number, y: number): Rgb {
  const offset = (Math.floor(y) * image.width + Math.floor(x)) * 3;
  return [image.rgb[offset], image.rgb[offset + 1], image.rgb[offset + 2]];
}

const TEXT: Rgb = [34, 34, 34];
const base: LineChartSpec = { title: "Loss", xLabel: "step", yLabel: "loss", series: [] };

// ---- Tests ----

Deno.test("output is a valid PNG: signature, IHDR size, chunk CRCs, inflatable scanlines", () => {
  for (const [width, height] of [[800, 480], [640, 360], [161, 999]]) {
    const png = renderLineChartPng({
      ...base,
      width,
      height,
      series: [{ name: "a", points: [[0, 1], [1, 2]] }],
    });
    const image = decodePng(png);
    assert.deepEqual([image.width, image.height], [width, height]);
    assert.deepEqual(image.chunkTypes, ["IHDR", "IDAT", "IEND"]);
    assert.deepEqual(pixelAt(image, 0, 0), [255, 255, 255], "white background");
  }
  assert.throws(() => renderLineChartPng({ ...base, width: 20 }), RangeError);
  assert.throws(() => renderLineChartPng({ ...base, height: 300.5 }), RangeError);
});

Deno.test("pixels along a series are exactly the series colour; pixels away from it are not", () => {
  const color: Rgb = [200, 30, 60];
  const spec: LineChartSpec = {
    ...base,
    series: [
      { name: "tested", points: [[0, 0], [10, 2]], color },
      { name: "ceiling", points: [[0, 10], [10, 10]], color: [0, 0, 255] },
    ],
  };
  const layout = layoutLineChart(spec);
  const image = decodePng(renderLineChartPng(spec));
  for (let t = 0; t <= 1; t += 0.01) {
    const x = layout.toPixelX(10 * t);
    const y = layout.toPixelY(2 * t);
    assert.deepEqual(
      pixelAt(image, x, y),
      color,
      `at t = ${t.toFixed(2)} (pixel ${x.toFixed(1)}, ${y.toFixed(1)})`,
    );
    assert.notDeepEqual(pixelAt(image, x, y - 8), color, "8 pixels above the line");
  }
  // Axis ends sit on the frame's pixel centres.
  assert.equal(layout.toPixelX(0), layout.plot.left + 0.5);
  assert.equal(layout.toPixelY(0), layout.plot.bottom - 0.5);
});

Deno.test("points with a NaN coordinate are left out and the line joins their neighbours", () => {
  const color: Rgb = [120, 0, 160];
  const points: [number, number][] = [[0, 0], [1, NaN], [2, NaN], [3, Infinity], [4, 1], [5, NaN]];
  const spec: LineChartSpec = {
    ...base,
    series: [{ name: "sparse", points, color }, { name: "c", points: [[0, 4]] }],
  };
  const layout = layoutLineChart(spec);
  const image = decodePng(renderLineChartPng(spec));
  for (const t of [0.25, 0.5, 0.75]) {
    assert.deepEqual(pixelAt(image, layout.toPixelX(4 * t), layout.toPixelY(t)), color, `t = ${t}`);
  }
});

Deno.test("log axes place a power law on a straight line of the series colour", () => {
  const color: Rgb = [10, 120, 40];
  const points = Array.from({ length: 31 }, (_, i): [number, number] => [10 ** (i / 10), 10 ** (2 * i / 30)]);
  const spec: LineChartSpec = { ...base, logX: true, logY: true, series: [{ name: "power", points, color }] };
  const layout = layoutLineChart(spec);
  assert.deepEqual(layout.xTicks, [1, 10, 100, 1000]);
  assert.deepEqual(layout.xTickLabels, ["1", "10", "100", "1000"]);
  const image = decodePng(renderLineChartPng(spec));
  const [x0, y0] = [layout.toPixelX(1), layout.toPixelY(1)];
  const [x1, y1] = [layout.toPixelX(1000), layout.toPixelY(100)];
  for (let t = 0.02; t < 0.7; t += 0.02) { // the legend covers the top-right corner
    assert.deepEqual(pixelAt(image, x0 + t * (x1 - x0), y0 + t * (y1 - y0)), color, `t = ${t}`);
  }
});

Deno.test("the title's pixels are exactly the title's glyphs, in text colour, centred above the plot", () => {
  const title = "Loss curve";
  const withTitle = decodePng(renderLineChartPng({ ...base, title }));
  const blankTitle = decodePng(renderLineChartPng({ ...base, title: " ".repeat(title.length) }));
  const layout = layoutLineChart({ ...base, title });
  let differing = 0;
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let y = 0; y < withTitle.height; y++) {
    for (let x = 0; x < withTitle.width; x++) {
      const offset = (y * withTitle.width + x) * 3;
      const same = withTitle.rgb[offset] === blankTitle.rgb[offset] &&
        withTitle.rgb[offset + 1] === blankTitle.rgb[offset + 1] &&
        withTitle.rgb[offset + 2] === blankTitle.rgb[offset + 2];
      if (same) continue;
      const pixel = pixelAt(withTitle, x, y);
      differing++;
      assert.deepEqual(pixel, TEXT);
      [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
    }
  }
  const glyphPixels = [...title].reduce(
    (sum, character) =>
      sum + [...glyphRows(character)].reduce((bits, row) => bits + row.toString(2).split("1").length - 1, 0),
    0,
  );
  assert.equal(differing, glyphPixels * 4, "every font pixel drawn as a 2×2 block");
  assert.ok(maxY < layout.plot.top && maxY - minY < 2 * GLYPH_HEIGHT, `title rows ${minY}..${maxY}`);
  const plotCentre = (layout.plot.left + layout.plot.right) / 2;
  assert.ok(
    Math.abs((minX + maxX + 1) / 2 - plotCentre) <= 2,
    `title centre ${(minX + maxX + 1) / 2} vs ${plotCentre}`,
  );
});

Deno.test("ticks are nice round numbers covering the data, with short labels", () => {
  const loss = layoutLineChart({ ...base, series: [{ name: "train", points: [[0, 8], [5e6, 1.5]] }] });
  assert.deepEqual(loss.xTicks, [0, 1e6, 2e6, 3e6, 4e6, 5e6]);
  assert.deepEqual(loss.xTickLabels, ["0", "1M", "2M", "3M", "4M", "5M"]);
  assert.deepEqual(loss.yTicks, [1, 2, 3, 4, 5, 6, 7, 8]);
  const small = layoutLineChart({ ...base, series: [{ name: "lr", points: [[0, 0.0003], [1, 0.0011]] }] });
  assert.deepEqual(small.yTickLabels, [
    "0.0003",
    "0.0004",
    "0.0005",
    "0.0006",
    "0.0007",
    "0.0008",
    "0.0009",
    "0.001",
    "0.0011",
  ]);
  const tiny = layoutLineChart({ ...base, series: [{ name: "kl", points: [[-1, 2e-5], [1, 9e-5]] }] });
  assert.deepEqual(tiny.yTickLabels.slice(0, 2), ["2e-5", "3e-5"]);
  assert.deepEqual(tiny.xTickLabels, ["-1", "-0.5", "0", "0.5", "1"]);
  const logTokens = layoutLineChart({
    ...base,
    logX: true,
    series: [{ name: "a", points: [[8e3, 1], [5e6, 2]] }],
  });
  assert.deepEqual(logTokens.xTickLabels, ["1k", "10k", "100k", "1M", "10M"]);
  const fewDecades = layoutLineChart({
    ...base,
    logY: true,
    series: [{ name: "a", points: [[0, 1.5], [1, 8]] }],
  });
  assert.deepEqual(fewDecades.yTicks, [1, 2, 5, 10]);
  const flat = layoutLineChart({ ...base, series: [{ name: "a", points: [[3, 7], [3, 7]] }] });
  assert.ok(flat.yTicks[0] < 7 && flat.yTicks.at(-1)! > 7 && flat.xTicks[0] < 3 && flat.xTicks.at(-1)! > 3);
});

Deno.test("degenerate input still renders: no series, no points, one point, non-finite or non-positive values", () => {
  const specs: LineChartSpec[] = [
    { ...base, title: "", xLabel: "", yLabel: "" },
    { ...base, series: [{ name: "empty", points: [] }] },
    { ...base, series: [{ name: "single", points: [[1, 1]] }] },
    { ...base, series: [{ name: "gaps", points: [[0, 1], [1, NaN], [2, Infinity], [3, 2], [4, 3]] }] },
    { ...base, logY: true, series: [{ name: "log", points: [[0, 0], [1, -1], [2, 1e-3], [3, 10]] }] },
    { ...base, series: [{ name: "ünïcödé → ok", points: [[0, 1], [1, 0]] }] },
  ];
  for (const spec of specs) assert.equal(decodePng(renderLineChartPng(spec)).width, 800);
});

Deno.test("rendering is deterministic and writeLineChartPng writes the same bytes atomically", async () => {
  const spec: LineChartSpec = {
    title: "Training loss",
    xLabel: "tokens seen",
    yLabel: "loss",
    series: [
      {
        name: "train",
        points: Array.from(
          { length: 200 },
          (_, i): [number, number] => [i * 25_000, 1.5 + 6.5 * Math.exp(-i / 30)],
        ),
      },
      {
        name: "held-out",
        points: Array.from(
          { length: 20 },
          (_, i): [number, number] => [i * 250_000, 1.6 + 6.5 * Math.exp(-i / 3)],
        ),
      },
    ],
  };
  const png = renderLineChartPng(spec);
  assert.deepEqual(renderLineChartPng(spec), png);
  const directory = await Deno.makeTempDir();
  try {
    await writeLineChartPng(`${directory}/loss.png`, spec);
    assert.deepEqual(await Deno.readFile(`${directory}/loss.png`), png);
    const names = [];
    for await (const entry of Deno.readDir(directory)) names.push(entry.name);
    assert.deepEqual(names, ["loss.png"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test('a line named "" is drawn but has no legend row', () => {
  // Both charts span the same data (0..10 on each axis), so their layouts agree.
  const named = {
    name: "named",
    points: [[0, 0], [10, 10]] as [number, number][],
    color: [200, 30, 60] as Rgb,
  };
  // The unnamed line runs along the bottom, away from the legend in the top-right corner.
  const unnamedColor: Rgb = [20, 160, 40];
  const unnamed = { name: "", points: [[0, 0], [4, 0]] as [number, number][], color: unnamedColor };
  const alone = decodePng(renderLineChartPng({ ...base, series: [named] }));
  const spec = { ...base, series: [named, unnamed] };
  const layout = layoutLineChart(spec);
  const both = decodePng(renderLineChartPng(spec));
  assert.deepEqual(pixelAt(both, layout.toPixelX(2), layout.toPixelY(0)), unnamedColor);
  // The legend region (top right of the plot) is the same pixels with and without the unnamed line.
  for (let y = layout.plot.top; y < layout.plot.top + 60; y++) {
    for (let x = Math.floor((layout.plot.left + layout.plot.right) / 2); x < layout.plot.right; x++) {
      assert.deepEqual(pixelAt(both, x, y), pixelAt(alone, x, y), `pixel ${x}, ${y}`);
    }
  }
});
