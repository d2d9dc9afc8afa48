/**
 * Image grids: tensors → one PNG (via sharp), with optional captions under each image.
 *
 * Pure apart from reading tensor values: nothing is displayed here (see `display.ts`), so grids can be
 * written to run directories as well as shown inline.
 */
import sharp from 'sharp';
import { tf } from '../backend';

/** One image: [H,W], [H,W,C] or a batch [N,H,W,C] (C = 1 gray or 3 RGB). */
export type ImageSource = tf.Tensor | { data: ArrayLike<number>; shape: number[] };

export interface ImageGridOptions {
  /** Images per row (default: all in one row up to 8, then rows of 8). */
  cols?: number;
  /** Integer nearest-neighbour upscale (default: so each image is at least 96 px tall, at most 8×). */
  scale?: number;
  /** One caption per image, drawn below it (missing entries leave the space blank). */
  captions?: string[];
  /**
   * The value range mapped to black…white (default `'auto'`: [0,1] if all values lie in it, [-1,1] if all
   * lie in that, else the grid's own min…max). Fix it explicitly when comparing grids.
   */
  range?: [number, number] | 'auto';
  /** Pixels between cells (default 2), painted `background`. */
  gap?: number;
  /** Background gray level 0–255 (default 255). */
  background?: number;
}

interface Plane {
  h: number;
  w: number;
  c: 1 | 3;
  values: Float32Array;
}

function shapeError(shape: number[]): Error {
  return new Error(`image shape [${shape.join(', ')}] is not an image: expected [H,W], [H,W,C] or [N,H,W,C] with C = 1 or 3`);
}

/** Split a source into single images. */
async function toPlanes(src: ImageSource): Promise<Plane[]> {
  const shape = src.shape.slice();
  const values = src instanceof tf.Tensor ? ((await src.data()) as Float32Array) : Float32Array.from(src.data);
  let n = 1, h: number, w: number, c: number;
  if (shape.length === 2) [h, w, c] = [shape[0], shape[1], 1];
  else if (shape.length === 3) [h, w, c] = shape as [number, number, number];
  else if (shape.length === 4) [n, h, w, c] = shape as [number, number, number, number];
  else throw shapeError(shape);
  if (c !== 1 && c !== 3) throw shapeError(shape);
  const size = h * w * c;
  const planes: Plane[] = [];
  for (let i = 0; i < n; i++) planes.push({ h, w, c: c as 1 | 3, values: values.subarray(i * size, (i + 1) * size) });
  return planes;
}

/** The range `'auto'` resolves to for these values (see `ImageGridOptions.range`). */
export function autoRange(planes: { values: ArrayLike<number> }[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const p of planes) for (let i = 0; i < p.values.length; i++) {
    const v = p.values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo >= 0 && hi <= 1) return [0, 1];
  if (lo >= -1 && hi <= 1) return [-1, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch] as string);
}

/**
 * Lay out images in a grid and encode it as PNG.
 * `sources` may be one batch tensor, or a list of images/batches (flattened in order).
 */
export async function imageGridPng(sources: ImageSource | ImageSource[], options: ImageGridOptions = {}): Promise<Buffer> {
  const list = Array.isArray(sources) ? sources : [sources];
  const planes = (await Promise.all(list.map(toPlanes))).flat();
  if (planes.length === 0) throw new Error('imageGridPng: no images given');
  const { captions = [], gap = 2, background = 255 } = options;
  const [lo, hi] = options.range === undefined || options.range === 'auto' ? autoRange(planes) : options.range;
  if (!(hi > lo)) throw new Error(`imageGridPng: range [${lo}, ${hi}] is empty; give [low, high] with high > low`);
  const maxH = Math.max(...planes.map((p) => p.h));
  const maxW = Math.max(...planes.map((p) => p.w));
  const scale = options.scale ?? Math.min(8, Math.max(1, Math.ceil(96 / maxH)));
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`imageGridPng: scale ${scale} must be a positive integer`);
  const cols = Math.max(1, Math.min(options.cols ?? Math.min(planes.length, 8), planes.length));
  const rows = Math.ceil(planes.length / cols);
  const hasCaptions = captions.some((c) => c && c.length > 0);
  const fontPx = 12;
  const captionH = hasCaptions ? fontPx + 6 : 0;
  const cellW = maxW * scale, cellH = maxH * scale + captionH;
  const width = cols * cellW + (cols + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const rgb = Buffer.alloc(width * height * 3, background);
  const k = 255 / (hi - lo);

  planes.forEach((p, idx) => {
    const x0 = gap + (idx % cols) * (cellW + gap);
    const y0 = gap + Math.floor(idx / cols) * (cellH + gap);
    for (let y = 0; y < p.h * scale; y++) {
      const sy = Math.floor(y / scale);
      let o = ((y0 + y) * width + x0) * 3;
      for (let x = 0; x < p.w * scale; x++, o += 3) {
        const si = (sy * p.w + Math.floor(x / scale)) * p.c;
        for (let ch = 0; ch < 3; ch++) {
          const v = p.values[si + (p.c === 3 ? ch : 0)];
          // NaN/Inf pixels are painted pure red so a diverging refiner is visible, not silently black.
          rgb[o + ch] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - lo) * k))) : ch === 0 ? 255 : 0;
        }
      }
    }
  });

  let img = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (hasCaptions) {
    const texts = planes.map((_, idx) => {
      const text = captions[idx];
      if (!text) return '';
      const x0 = gap + (idx % cols) * (cellW + gap);
      const cy = gap + Math.floor(idx / cols) * (cellH + gap) + maxH * scale + fontPx + 1;
      // A caption wider than its cell (≈0.6 em per character) starts at the cell's left edge instead of
      // being centred, so its beginning is not cut off by the image border.
      const wide = 0.6 * fontPx * text.length > cellW;
      return `<text x="${wide ? x0 + 1 : x0 + cellW / 2}" y="${cy}" text-anchor="${wide ? 'start' : 'middle'}">${escapeXml(text)}</text>`;
    });
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<g font-family="DejaVu Sans, sans-serif" font-size="${fontPx}" fill="black">${texts.join('')}</g></svg>`;
    img = img.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  }
  return img.png().toBuffer();
}
