/**
 * NYU hand pose depth images (Tompson et al., ToG 2014), the SimGAN paper's second experiment — kept
 * minimal until the data is at hand: decode the depth PNGs and cut fixed-size single-channel crops.
 *
 * Encoding: 8-bit RGB PNGs with the depth in millimetres packed as (green << 8) | blue; red is unused;
 * 0 means no measurement.
 *
 * Crops: `size`×`size` pixels (default 224, the paper's) around a centre pixel, no rescaling. Depth is
 * taken relative to the centre's depth, clipped to ±`range` mm (default 150) and mapped to [-1, 1]: −1 is
 * 150 mm nearer than the centre, +1 is 150 mm or more farther. No measurement (0) and pixels beyond the
 * image border count as far (+1) — the background behind a hand. The centre is given per file
 * (`options.centre`), or by default the image centre with the median non-zero depth of a central
 * `window`×`window` (default 64) — a stand-in until real centres (e.g. from the joint annotations) exist.
 * Labels: `[x, y, depth]` of the centre used (pixels, pixels, mm).
 *
 * Bad input: a missing or empty folder (no .png) stops (`DataError`). Per file, skip-and-count (one
 * `SkipLog` entry each, one summary warning): an unreadable or truncated PNG, a PNG without 3 colour
 * channels (not this encoding), a missing centre depth (no measurement in the window, or a given centre
 * with depth ≤ 0). Everything skipped stops with the summary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError } from './errors';
import { assemble, mapLimit, type Decoded, type LoadOptions, type LoadResult } from './mpiigaze';

export interface DepthImage {
  width: number;
  height: number;
  /** Row-major millimetres; 0 = no measurement. */
  depth: Float32Array;
}

export interface HandCentre {
  /** Pixel column and row (top-left origin). */
  x: number;
  y: number;
  /** Millimetres. */
  depth: number;
}

export interface NyuCropOptions extends LoadOptions {
  /** Crop side in pixels (default 224). */
  size?: number;
  /** Half-width of the depth band mapped to [-1, 1], mm (default 150). */
  range?: number;
  /** Side of the central window whose median depth is the default centre depth (default 64). */
  window?: number;
  /** The crop centre of a file; undefined → the default (image centre, median central depth). */
  centre?: (file: string, index: number, image: DepthImage) => HandCentre | undefined;
}

export const NYU_LABEL_NAMES = ['x', 'y', 'depth'];

/** Depth in mm from an NYU PNG; a `DataError` naming `where` if it is unreadable or not RGB. */
export async function decodeNyuDepth(png: Buffer | string, where = typeof png === 'string' ? png : 'image'): Promise<DepthImage> {
  const decode = async () => {
    const { format, channels } = await sharp(png).metadata();
    // The source's channel count: sharp's raw output of a gray PNG is expanded to sRGB.
    return { format, sourceChannels: channels ?? 0, ...(await sharp(png, { failOn: 'truncated' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })) };
  };
  let decoded: Awaited<ReturnType<typeof decode>>;
  try {
    decoded = await decode();
  } catch (e) {
    throw new DataError(where, `not a readable image (${(e as Error).message})`);
  }
  const { format, sourceChannels, data, info } = decoded;
  if (format !== 'png') throw new DataError(where, `expected a PNG (lossless depth), found ${format}`);
  if (sourceChannels < 3 || info.channels < 3) {
    throw new DataError(where, `expected an RGB PNG with depth packed in green (high byte) and blue (low byte), found ${sourceChannels} channel(s)`);
  }
  const n = info.width * info.height, c = info.channels;
  const depth = new Float32Array(n);
  for (let i = 0; i < n; i++) depth[i] = (data[i * c + 1] << 8) | data[i * c + 2];
  return { width: info.width, height: info.height, depth };
}

/** The image centre with the median non-zero depth of a central window; undefined if it has none. */
export function defaultCentre(img: DepthImage, window = 64): HandCentre | undefined {
  const x = Math.floor(img.width / 2), y = Math.floor(img.height / 2), h = Math.floor(window / 2);
  const vals: number[] = [];
  for (let yy = Math.max(0, y - h); yy < Math.min(img.height, y - h + window); yy++) {
    for (let xx = Math.max(0, x - h); xx < Math.min(img.width, x - h + window); xx++) {
      const d = img.depth[yy * img.width + xx];
      if (d > 0) vals.push(d);
    }
  }
  if (vals.length === 0) return undefined;
  vals.sort((a, b) => a - b);
  const m = vals.length >> 1;
  return { x, y, depth: vals.length % 2 ? vals[m] : (vals[m - 1] + vals[m]) / 2 };
}

/** A size×size crop centred on `c` (see the module comment for the depth mapping). */
export function cropDepth(img: DepthImage, c: HandCentre, size = 224, range = 150): Float32Array {
  const out = new Float32Array(size * size).fill(1);
  const x0 = Math.round(c.x) - Math.floor(size / 2), y0 = Math.round(c.y) - Math.floor(size / 2);
  for (let y = 0; y < size; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < size; x++) {
      const sx = x0 + x;
      if (sx < 0 || sx >= img.width) continue;
      const d = img.depth[sy * img.width + sx];
      if (d > 0) out[y * size + x] = Math.max(-1, Math.min(1, (d - c.depth) / range));
    }
  }
  return out;
}

function pngFiles(input: string[] | string): { files: string[]; source: string } {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new DataError('nyu-hands', 'expected at least one depth PNG, got an empty list');
    return { files: input, source: input.length === 1 ? input[0] : `${input.length} files from ${path.dirname(input[0])}` };
  }
  let entries: string[];
  try {
    entries = readdirSync(input);
  } catch (e) {
    throw new DataError(input, `cannot read the depth image folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const files = entries.filter((f) => /\.png$/i.test(f)).sort().map((f) => path.join(input, f));
  if (files.length === 0) throw new DataError(input, `expected NYU depth .png files, found none (${entries.length} other entries)`);
  return { files, source: input };
}

/** Hand crops from depth PNGs (a list of files, or every .png of a folder by name). */
export async function loadNyuHandCrops(input: string[] | string, options: NyuCropOptions = {}): Promise<LoadResult> {
  const { files: all, source } = pngFiles(input);
  const files = options.limit !== undefined ? all.slice(0, options.limit) : all;
  const size = options.size ?? 224, range = options.range ?? 150, window = options.window ?? 64;
  const results = await mapLimit(files, options.concurrency ?? 8, async (file, i): Promise<Decoded> => {
    let img: DepthImage;
    try {
      img = await decodeNyuDepth(readFileSync(file), file);
    } catch (e) {
      if (e instanceof DataError) return { skip: e.what };
      return { skip: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
    const c = options.centre?.(file, i, img) ?? defaultCentre(img, window);
    if (!c) return { skip: `no depth measured in the central ${window}×${window} window; give a centre` };
    if (!(c.depth > 0)) return { skip: `centre depth ${c.depth} mm; expected > 0` };
    return { pixels: cropDepth(img, c, size, range), label: Float32Array.of(c.x, c.y, c.depth) };
  });
  return assemble(source, `depth images from ${source}`, files.map((f, i) => ({ where: f, result: results[i] })), [size, size, 1], {
    name: options.name ?? 'nyu-hands',
    labelNames: NYU_LABEL_NAMES,
    warn: options.warn,
  });
}
