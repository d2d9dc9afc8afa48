/**
 * Image IO with sharp: decode, crop, resize and convert to the library's pixel convention — grayscale
 * Float32 in [-1, 1], row-major (H×W) — and back to PNG. Errors name the source.
 */
import sharp from 'sharp';
import { DataError } from './errors';

export interface Size {
  width: number;
  height: number;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** uint8 0…255 → float −1…1 */
export function u8ToUnit(u8: ArrayLike<number>, out = new Float32Array(u8.length)): Float32Array {
  for (let i = 0; i < u8.length; i++) out[i] = u8[i] / 127.5 - 1;
  return out;
}

/** float −1…1 → uint8 0…255 (clamped, rounded) */
export function unitToU8(f: ArrayLike<number>, out = new Uint8Array(f.length)): Uint8Array {
  for (let i = 0; i < f.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((f[i] + 1) * 127.5)));
  return out;
}

/**
 * Decode an image (file path or encoded bytes), optionally crop `box` (pixels of the source), convert to
 * grayscale and resize to `size` (exactly: the aspect ratio is not kept, as the eye datasets expect).
 * `where` names the source in errors (default: the path, or "image").
 */
export async function loadGray(input: string | Buffer, size: Size, options: { box?: Box; where?: string } = {}): Promise<Float32Array> {
  const where = options.where ?? (typeof input === 'string' ? input : 'image');
  let raw: Buffer;
  try {
    let img = sharp(input, { failOn: 'truncated' });
    if (options.box) {
      const meta = await sharp(input).metadata();
      const b = clampBox(options.box, meta.width ?? 0, meta.height ?? 0, where);
      img = img.extract(b);
    }
    raw = await img.grayscale().resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(where, `not a readable image (${(e as Error).message})`);
  }
  if (raw.length !== size.width * size.height) {
    throw new DataError(where, `decoded to ${raw.length} bytes, expected ${size.width}×${size.height} gray pixels`);
  }
  return u8ToUnit(raw);
}

/** Round a box to whole pixels and keep it inside a width×height image (an error if nothing is left). */
export function clampBox(box: Box, width: number, height: number, where: string): Box {
  const left = Math.max(0, Math.floor(box.left));
  const top = Math.max(0, Math.floor(box.top));
  const right = Math.min(width, Math.ceil(box.left + box.width));
  const bottom = Math.min(height, Math.ceil(box.top + box.height));
  if (right - left < 1 || bottom - top < 1) {
    throw new DataError(where, `crop box ${JSON.stringify(box)} lies outside the ${width}×${height} image`);
  }
  return { left, top, width: right - left, height: bottom - top };
}

/** One gray image (−1…1, H×W) as PNG bytes. */
export async function grayPng(pixels: ArrayLike<number>, size: Size): Promise<Buffer> {
  // 'b-w': a one-channel PNG (sharp otherwise writes raw gray input as three-channel sRGB).
  return sharp(Buffer.from(unitToU8(pixels)), { raw: { width: size.width, height: size.height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}
