/**
 * Synthetic eyes from the UnityEyes generator (Wood et al., ETRA 2016), the SimGAN paper's synthetic domain:
 * a folder of `N.jpg` renders, each with an `N.json` annotation. Each render is cropped to the eye, made
 * gray and resized exactly to `size` (default 55×35), labelled with its gaze `[x, y, z, yaw, pitch]` in
 * MPIIGaze's convention so that both domains share one label space.
 *
 * Landmarks (`interior_margin_2d`, `caruncle_2d`, `iris_2d`) are "(x, y, z)" strings in pixels with the
 * origin at the BOTTOM-left and z the depth; image y = imageHeight − y.
 *
 * Crop. A 5:3 (width:height) box, MPIIGaze's 60×36 aspect, centred on the middle of the interior margin's
 * bounding box (as GazeML's UnityEyes preprocessing does). Its width is `widthFactor` (default 1.2) × the
 * eye's width, measured from the caruncle's centroid (the inner corner) to the interior-margin point
 * farthest from it (the outer corner). GazeML uses 1.5 for its landmark network, which wants context; in
 * the MPIIGaze crops SimGAN's real domain uses, the corners sit about 5–10% in from the edges (the eye
 * spans ~85% of the width, the opening ~40% of the height), which 1.2 reproduces for a typical eye. A box
 * that leaves the image is skipped (not clamped: clamping would change the aspect ratio and the scale).
 *
 * Gaze. `eye_details.look_vec` is "(x, y, z, 0)" in the render camera's frame with x towards image right,
 * y towards image UP and z away from the camera (an eye looking at the camera has z < 0). Checked on a
 * real annotation (test fixture): fitting a plane to the iris contour's (x, y, depth), depth grows towards
 * +x and +y in exactly the ratio look_vec.y / look_vec.x, the contour is foreshortened by |z| along
 * (x, y), so the disc faces (x, y) in the y-up image frame. MPIIGaze's normalized camera has x right,
 * y DOWN, z forward, so the conversion negates y only: (x, −y, z). Then yaw = atan2(−x, −z),
 * pitch = asin(−y) as for MPIIGaze. (GazeML negates x as well before its own yaw convention; with the
 * landmarks as evidence, doing so here would mirror the label against the image.)
 *
 * Bad input: an empty or unreadable folder stops (`DataError`). Per render, skip-and-count (one `SkipLog`
 * entry each, one summary warning): a .jpg without its .json, a .json without its .jpg, a JSON that does
 * not parse or lacks a needed field (named), an unreadable image, a crop box outside the image — one bad
 * render of thousands is not worth losing the rest. Everything skipped stops with the summary.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError } from './errors';
import type { Box, Size } from './images';
import { assemble, decodeOrSkip, EYE_SIZE, GAZE_LABEL_NAMES, gazeLabel, mapLimit, type Decoded, type LoadOptions, type LoadResult } from './mpiigaze';

export interface UnityEyesOptions extends LoadOptions {
  /** Crop width ÷ the eye's corner-to-corner width (default 1.2; see the module comment). */
  widthFactor?: number;
}

export const UNITYEYES_WIDTH_FACTOR = 1.2;

/** The parts of a UnityEyes annotation this loader uses. */
export interface UnityEyesAnnotation {
  interiorMargin: [number, number][];
  caruncle: [number, number][];
  /** look_vec x, y, z as written (y up). */
  lookVec: [number, number, number];
}

/** "(1.5, -2, 3)" → [1.5, -2, 3]; a `DataError` naming `where` and `field` otherwise. */
export function parseTuple(s: unknown, where: string, field: string): number[] {
  const m = typeof s === 'string' ? /^\s*\(([^()]*)\)\s*$/.exec(s) : null;
  const v = m ? m[1].split(',').map((t) => Number(t.trim())) : [];
  if (!m || v.length < 2 || v.some((x) => !Number.isFinite(x))) {
    throw new DataError(where, `${field}: expected a string like "(x, y, z)", found ${JSON.stringify(s)?.slice(0, 40)}`);
  }
  return v;
}

/** The annotation from a UnityEyes JSON's text; a `DataError` naming `where` and the missing/bad field. */
export function parseUnityEyesJson(text: string, where: string): UnityEyesAnnotation {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new DataError(where, `not valid JSON (${(e as Error).message})`);
  }
  const points = (field: string, min: number): [number, number][] => {
    const list = j?.[field];
    if (!Array.isArray(list) || list.length < min) throw new DataError(where, `expected '${field}', a list of at least ${min} "(x, y, z)" points`);
    return list.map((s, i) => parseTuple(s, where, `${field}[${i}]`).slice(0, 2) as [number, number]);
  };
  const details = j?.eye_details as Record<string, unknown> | undefined;
  if (typeof details?.look_vec !== 'string') throw new DataError(where, `expected 'eye_details.look_vec', a string "(x, y, z, w)"`);
  const look = parseTuple(details.look_vec, where, 'eye_details.look_vec');
  if (look.length < 3) throw new DataError(where, `eye_details.look_vec: expected at least 3 components, found ${look.length}`);
  return { interiorMargin: points('interior_margin_2d', 3), caruncle: points('caruncle_2d', 1), lookVec: [look[0], look[1], look[2]] };
}

/**
 * The eye crop in image pixels (top-left origin) for an image `imageHeight` tall (see the module comment).
 */
export function unityEyesCrop(a: UnityEyesAnnotation, imageHeight: number, widthFactor = UNITYEYES_WIDTH_FACTOR): Box {
  const flip = ([x, y]: [number, number]): [number, number] => [x, imageHeight - y];
  const margin = a.interiorMargin.map(flip), caruncle = a.caruncle.map(flip);
  const xs = margin.map((p) => p[0]), ys = margin.map((p) => p[1]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const inner = [caruncle.reduce((s, p) => s + p[0], 0) / caruncle.length, caruncle.reduce((s, p) => s + p[1], 0) / caruncle.length];
  const eyeWidth = Math.max(...margin.map((p) => Math.hypot(p[0] - inner[0], p[1] - inner[1])));
  const width = widthFactor * eyeWidth, height = (width * 3) / 5;
  return { left: cx - width / 2, top: cy - height / 2, width, height };
}

/** [x, y, z, yaw, pitch] in MPIIGaze's camera convention from a UnityEyes look_vec (y up → y down). */
export function unityEyesGaze(lookVec: [number, number, number]): Float32Array {
  return gazeLabel(lookVec[0], -lookVec[1], lookVec[2]);
}

/** Numeric names in numeric order ("2" before "10"), others after, by code units. */
function byStem(a: string, b: string): number {
  const na = Number(a), nb = Number(b);
  const fa = a !== '' && Number.isFinite(na), fb = b !== '' && Number.isFinite(nb);
  if (fa && fb) return na - nb;
  if (fa !== fb) return fa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

async function loadOne(jpg: string, json: string, size: Size, widthFactor: number): Promise<Decoded> {
  let ann: UnityEyesAnnotation;
  try {
    ann = parseUnityEyesJson(readFileSync(json, 'utf8'), json);
  } catch (e) {
    if (e instanceof DataError) return { skip: `${path.basename(json)}: ${e.what}` };
    return { skip: `cannot read ${path.basename(json)} (${(e as Error).message})` };
  }
  let imageWidth: number, imageHeight: number;
  try {
    const meta = await sharp(jpg).metadata();
    [imageWidth, imageHeight] = [meta.width ?? 0, meta.height ?? 0];
  } catch (e) {
    return { skip: `not a readable image (${(e as Error).message})` };
  }
  const box = unityEyesCrop(ann, imageHeight, widthFactor);
  if (box.left < 0 || box.top < 0 || box.left + box.width > imageWidth || box.top + box.height > imageHeight) {
    const r = (v: number) => Math.round(v);
    return { skip: `eye crop ${r(box.width)}×${r(box.height)} at (${r(box.left)}, ${r(box.top)}) leaves the ${imageWidth}×${imageHeight} image` };
  }
  const d = await decodeOrSkip(jpg, size, jpg, box);
  return 'skip' in d ? d : { pixels: d.pixels, label: unityEyesGaze(ann.lookVec) };
}

/** UnityEyes renders of `dir` (N.jpg + N.json), in numeric order of N. */
export async function loadUnityEyes(dir: string, size: Size = EYE_SIZE, options: UnityEyesOptions = {}): Promise<LoadResult> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new DataError(dir, `cannot read the UnityEyes folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const stems = new Set<string>();
  for (const f of entries) {
    const m = /^(.*)\.(jpg|json)$/.exec(f); // UnityEyes writes lower-case extensions
    if (m) stems.add(m[1]);
  }
  if (stems.size === 0) throw new DataError(dir, `expected UnityEyes renders (N.jpg with N.json), found no .jpg or .json files (${entries.length} other entries)`);
  const has = (f: string) => existsSync(path.join(dir, f));
  let sorted = [...stems].sort(byStem);
  if (options.limit !== undefined) sorted = sorted.slice(0, options.limit);
  const widthFactor = options.widthFactor ?? UNITYEYES_WIDTH_FACTOR;
  const results = await mapLimit(sorted, options.concurrency ?? 8, async (stem): Promise<{ where: string; result: Decoded }> => {
    const jpg = path.join(dir, `${stem}.jpg`), json = path.join(dir, `${stem}.json`);
    if (!has(`${stem}.json`)) return { where: jpg, result: { skip: `no annotation beside it (expected ${stem}.json)` } };
    if (!has(`${stem}.jpg`)) return { where: json, result: { skip: `no image beside it (expected ${stem}.jpg)` } };
    return { where: jpg, result: await loadOne(jpg, json, size, widthFactor) };
  });
  return assemble(dir, `UnityEyes renders in ${dir}`, results, [size.height, size.width, 1], {
    name: options.name ?? 'unityeyes',
    labelNames: GAZE_LABEL_NAMES,
    warn: options.warn,
  });
}
