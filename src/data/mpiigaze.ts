/**
 * Real eyes from MPIIGaze (Zhang, Sugano, Fritz, Bulling, CVPR 2015), gray and resized exactly to a
 * configured size (default 55×35, the SimGAN paper's), in three layouts:
 *
 * - `loadMpiigazeCsv`: a CSV `subject_id,image_base64` of base64 60×36 gray JPEGs (the shared 2,500-row
 *   copy). No labels unless `subjectLabels` (then `[subject_id]`, labelNames `['subject']`).
 * - `loadImageFolder`: every .png/.jpg/.jpeg of a folder, in code-unit order of the file names. No labels.
 * - `loadMpiigazeOfficial`: the authors' `Data/Normalized/pXX/dayYY.mat`, whose `data.left` / `data.right`
 *   hold `image` (N×36×60 uint8), `gaze` (N×3 unit vectors, normalized camera coordinates: x right, y down,
 *   z away from the camera, so a gaze at the camera has z < 0) and `pose`. Labels `[x, y, z, yaw, pitch]`
 *   with pitch = asin(−y), yaw = atan2(−x, −z) (the convention of MPIIGaze's own code), in radians.
 *   Right eyes are mirrored into left eyes: the image is flipped horizontally and gaze x negated (yaw and
 *   pitch recomputed, so yaw changes sign) — the usual preprocessing, which lets one model and one refiner
 *   see a single eye shape. `pose` and `filenames` are not used.
 *
 * All three return `{ dataset, skipped }` (`LoadResult`); the dataset's pixels follow the library
 * convention (gray, [-1, 1], row-major). The loading plumbing here (`mapLimit`, `decodeOrSkip`,
 * `assemble`) is shared by the UnityEyes and NYU hands loaders. `limit` counts inputs (CSV rows, files,
 * eyes) from the start, including ones that end up skipped.
 *
 * Bad input — what stops (`DataError`) and what is skipped (a `SkipLog` entry, then ONE warning via
 * `options.warn`, default `console.warn`, "skipped k of n …" with the first reasons):
 * - missing/unreadable CSV, folder or MPIIGaze root; a CSV without an `image_base64` column: stop.
 * - a CSV row with the wrong number of fields, a cell that is not valid base64, or bytes that are not a
 *   readable image (corrupt or truncated JPEG): skip that row (named `file row n`). One bad row of
 *   thousands is not worth losing the rest; the count in the warning keeps it visible.
 * - an unreadable image in a folder: skip that file (same reasoning).
 * - an empty folder (no .png/.jpg/.jpeg) or a CSV with no data rows: stop — there is nothing to train on.
 * - every input skipped: stop, with the skip summary as the reason.
 * - a .mat that is corrupt, truncated, or lacks `data.left.image` / `data.left.gaze` (or right), or whose
 *   shapes disagree: stop. A .mat is a whole participant-day (hundreds of images), and a missing field
 *   means the layout is not the one this loader knows; both need the user to fix the download.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { ArrayImageDataset } from './dataset';
import { DataError, SkipLog } from './errors';
import { loadGray, u8ToUnit, type Size } from './images';
import { getNumeric, matAt, readMat, toRowMajor, dimsText } from './matlab';

/** The SimGAN paper's eye size. */
export const EYE_SIZE: Size = { width: 55, height: 35 };

export const GAZE_LABEL_NAMES = ['x', 'y', 'z', 'yaw', 'pitch'];

export interface LoadResult {
  dataset: ArrayImageDataset;
  /** What was skipped and why (already reported once through `warn`). */
  skipped: SkipLog;
}

export interface LoadOptions {
  /** Where the one skip summary goes (default `console.warn`). */
  warn?: (message: string) => void;
  /** Images decoded at once (default 8): sharp works off the main thread, so a few in flight keep it busy. */
  concurrency?: number;
  /** Consider only the first `limit` inputs (rows, files, eyes), in source order. */
  limit?: number;
  /** The dataset's name (default from the source). */
  name?: string;
}

/** `fn` over `items` with at most `limit` promises pending; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** One input's outcome: pixels (and labels), or why it was skipped. */
export type Decoded = { pixels: Float32Array; label?: Float32Array } | { skip: string };

/** `loadGray` as a `Decoded`: unreadable images become skips (other errors propagate). */
export async function decodeOrSkip(input: string | Buffer, size: Size, where: string, box?: { left: number; top: number; width: number; height: number }): Promise<Decoded> {
  try {
    return { pixels: await loadGray(input, size, { where, box }) };
  } catch (e) {
    if (e instanceof DataError) return { skip: e.what };
    throw e;
  }
}

/**
 * Assemble a dataset from per-input outcomes, in input order: skips go to the log (and one warning); all
 * skipped, or nothing at all, is an error naming `source`.
 */
export function assemble(
  source: string,
  what: string,
  items: { where: string; result: Decoded }[],
  shape: [number, number, number],
  opts: { name: string; labelNames?: string[]; warn?: (m: string) => void },
): LoadResult {
  const skipped = new SkipLog();
  const kept: { pixels: Float32Array; label?: Float32Array }[] = [];
  for (const { where, result } of items) {
    if ('skip' in result) skipped.add(where, result.skip);
    else kept.push(result);
  }
  const summary = skipped.summary(items.length, what);
  if (kept.length === 0) throw new DataError(source, `no usable ${what}${summary ? ` (${summary})` : ''}`);
  if (summary) (opts.warn ?? console.warn)(summary);
  const per = shape[0] * shape[1] * shape[2];
  const pixels = new Float32Array(kept.length * per);
  kept.forEach((k, i) => pixels.set(k.pixels, i * per));
  const labels = opts.labelNames ? kept.map((k) => k.label ?? new Float32Array(0)) : undefined;
  return { dataset: new ArrayImageDataset(opts.name, shape, pixels, labels, opts.labelNames), skipped };
}

function readOrFail(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataError(file, `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

// ---- CSV ------------------------------------------------------------------------------------------------

export interface CsvOptions extends LoadOptions {
  /** Label each image with `[subject_id]` (labelNames ['subject']). */
  subjectLabels?: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why a base64 cell is not one, or undefined when it is (Buffer.from would silently skip bad characters). */
export function base64Problem(s: string): string | undefined {
  if (s.length === 0) return 'image_base64 is empty';
  if (s.length % 4 !== 0) return `image_base64 is not valid base64 (length ${s.length} is not a multiple of 4)`;
  if (!BASE64.test(s)) {
    const bad = s.match(/[^A-Za-z0-9+/=]/)?.[0];
    return `image_base64 is not valid base64 (${bad !== undefined ? `character ${JSON.stringify(bad)}` : "misplaced '='"})`;
  }
  return undefined;
}

/** Real eyes from a `subject_id,image_base64` CSV; rows named `file row n` (n from 1, header excluded). */
export async function loadMpiigazeCsv(file: string, size: Size = EYE_SIZE, options: CsvOptions = {}): Promise<LoadResult> {
  const text = readOrFail(file, 'the CSV').toString('utf8');
  const lines = text.split('\n');
  const header = lines[0].replace(/^\uFEFF/, '').trim();
  const cols = header.split(',').map((c) => c.trim());
  const iImage = cols.indexOf('image_base64'), iSubject = cols.indexOf('subject_id');
  if (iImage < 0 || (options.subjectLabels && iSubject < 0)) {
    throw new DataError(file, `expected a CSV with the header 'subject_id,image_base64', found '${header.slice(0, 80)}'`);
  }
  type Row = { where: string; bytes?: Buffer; subject?: number; skip?: string };
  const rows: Row[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue; // blank lines (the final newline) hold no row
    if (options.limit !== undefined && rows.length >= options.limit) break;
    const where = `${file} row ${rows.length + 1}`;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== cols.length) {
      rows.push({ where, skip: `expected ${cols.length} fields (${cols.join(',')}), found ${cells.length}` });
      continue;
    }
    const b64 = cells[iImage];
    const problem = base64Problem(b64);
    if (problem) {
      rows.push({ where, skip: problem });
      continue;
    }
    const subject = iSubject >= 0 ? Number(cells[iSubject]) : NaN;
    if (options.subjectLabels && !Number.isFinite(subject)) {
      rows.push({ where, skip: `subject_id '${cells[iSubject].slice(0, 20)}' is not a number` });
      continue;
    }
    rows.push({ where, bytes: Buffer.from(b64, 'base64'), subject });
  }
  if (rows.length === 0) throw new DataError(file, 'the CSV has a header but no data rows');
  const results = await mapLimit(rows, options.concurrency ?? 8, async (r): Promise<Decoded> => {
    if (r.skip !== undefined || !r.bytes) return { skip: r.skip ?? 'no image' };
    const d = await decodeOrSkip(r.bytes, size, r.where);
    return 'skip' in d || !options.subjectLabels ? d : { pixels: d.pixels, label: Float32Array.of(r.subject!) };
  });
  return assemble(file, `rows of ${file}`, rows.map((r, i) => ({ where: r.where, result: results[i] })), [size.height, size.width, 1], {
    name: options.name ?? 'mpiigaze-csv',
    labelNames: options.subjectLabels ? ['subject'] : undefined,
    warn: options.warn,
  });
}

// ---- a folder of images -----------------------------------------------------------------------------------

const IMAGE_FILE = /\.(png|jpe?g)$/i;

function listDir(dir: string, what: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    throw new DataError(dir, `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Every .png/.jpg/.jpeg in `dir` (not recursive), sorted by file name (code-unit order). */
export async function loadImageFolder(dir: string, size: Size = EYE_SIZE, options: LoadOptions = {}): Promise<LoadResult> {
  const all = listDir(dir, 'the image folder');
  let files = all.filter((f) => IMAGE_FILE.test(f)).sort();
  if (files.length === 0) throw new DataError(dir, `expected .png/.jpg/.jpeg images, found none (${all.length} other entries)`);
  if (options.limit !== undefined) files = files.slice(0, options.limit);
  const results = await mapLimit(files, options.concurrency ?? 8, (f) => decodeOrSkip(path.join(dir, f), size, path.join(dir, f)));
  return assemble(dir, `images in ${dir}`, files.map((f, i) => ({ where: path.join(dir, f), result: results[i] })), [size.height, size.width, 1], {
    name: options.name ?? path.basename(dir),
    warn: options.warn,
  });
}

// ---- the official normalized .mat layout ------------------------------------------------------------------

export type EyeChoice = 'left' | 'right' | 'both';

export interface OfficialOptions extends LoadOptions {
  /** Which eyes (default 'both'); right eyes are mirrored into left eyes (see the module comment). */
  eyes?: EyeChoice;
  /** Participants to load, as 'p03' or 3 (default all). */
  participants?: (string | number)[];
  /** Days to load, as 'day07' or 7 (default all). */
  days?: (string | number)[];
}

/** [x, y, z, yaw, pitch] of a gaze vector in normalized camera coordinates (x right, y down, z forward). */
export function gazeLabel(x: number, y: number, z: number): Float32Array {
  const n = Math.hypot(x, y, z) || 1;
  const [ux, uy, uz] = [x / n, y / n, z / n];
  return Float32Array.of(ux, uy, uz, Math.atan2(-ux, -uz), Math.asin(Math.max(-1, Math.min(1, -uy))));
}

/** The folder holding the pXX folders: `root/Data/Normalized`, `root/Normalized` or `root` itself. */
export function normalizedDir(root: string): string {
  const isParticipantDir = (d: string) => {
    try {
      return readdirSync(d).some((e) => /^p\d+$/.test(e) && statSync(path.join(d, e)).isDirectory());
    } catch {
      return false;
    }
  };
  const found = [path.join(root, 'Data', 'Normalized'), path.join(root, 'Normalized'), root].find(isParticipantDir);
  if (!found) throw new DataError(root, `expected MPIIGaze's layout Data/Normalized/pXX/dayYY.mat, found no pXX folders in ${root} or its Data/Normalized`);
  return found;
}

const pick = (prefix: string, wanted: (string | number)[] | undefined) =>
  wanted === undefined ? () => true : (name: string) => wanted.some((w) => (typeof w === 'number' ? name === `${prefix}${String(w).padStart(2, '0')}` : name === w.replace(/\.mat$/, '')));

/** The day files to read, in participant then day order. */
export function officialFiles(root: string, options: Pick<OfficialOptions, 'participants' | 'days'> = {}): string[] {
  const base = normalizedDir(root);
  const wantP = pick('p', options.participants), wantD = pick('day', options.days);
  const files: string[] = [];
  for (const p of listDir(base, 'the Normalized folder').filter((e) => /^p\d+$/.test(e)).sort()) {
    if (!wantP(p)) continue;
    const days = listDir(path.join(base, p), 'a participant folder').filter((f) => /^day\d+\.mat$/.test(f)).sort();
    for (const d of days) if (wantD(d.replace(/\.mat$/, ''))) files.push(path.join(base, p, d));
  }
  if (files.length === 0) {
    const sel = [options.participants && `participants ${options.participants.join(',')}`, options.days && `days ${options.days.join(',')}`].filter(Boolean).join(', ');
    throw new DataError(base, `expected pXX/dayYY.mat files${sel ? ` for ${sel}` : ''}, found none`);
  }
  return files;
}

/** Flip each row of a gray W×H image left-right. */
export function flipHorizontal(u8: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(u8.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = u8[y * width + (width - 1 - x)];
  return out;
}

/** Raw gray pixels resized exactly to `to` (lanczos3, as `loadGray`), in [-1, 1]. */
export async function resizeGray(u8: Uint8Array, from: Size, to: Size): Promise<Float32Array> {
  if (from.width === to.width && from.height === to.height) return u8ToUnit(u8);
  const raw = await sharp(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), { raw: { width: from.width, height: from.height, channels: 1 } })
    .resize(to.width, to.height, { fit: 'fill', kernel: 'lanczos3' })
    .grayscale() // else sharp hands back sRGB, 3 channels
    .raw()
    .toBuffer();
  if (raw.length !== to.width * to.height) throw new Error(`resize gave ${raw.length} bytes for ${to.width}×${to.height} gray`);
  return u8ToUnit(raw);
}

interface EyeBlock {
  eye: 'left' | 'right';
  count: number;
  height: number;
  width: number;
  /** N images back to back, row-major. */
  pixels: Uint8Array;
  gaze: [number, number, number][];
}

/** One eye's images and gaze from a day file's contents; a `DataError` naming the file for anything unexpected. */
function eyeBlock(mat: ReturnType<typeof readMat>, eye: 'left' | 'right', file: string): EyeBlock {
  const image = getNumeric(mat, `data.${eye}.image`, file, 3);
  const gaze = getNumeric(mat, `data.${eye}.gaze`, file, 2);
  if (image.class !== 'uint8') throw new DataError(file, `'data.${eye}.image' should be uint8 (N×36×60) but is ${image.class}`);
  const [n, h, w] = image.dims;
  if (gaze.dims[0] !== n || gaze.dims[1] !== 3) throw new DataError(file, `'data.${eye}.gaze' should be ${n}×3 (one 3-D vector per image) but is ${dimsText(gaze.dims)}`);
  const g = Array.from({ length: n }, (_, i) => [0, 1, 2].map((j) => Number(matAt(gaze, i, j))) as [number, number, number]);
  return { eye, count: n, height: h, width: w, pixels: toRowMajor(image) as Uint8Array, gaze: g };
}

/**
 * Real eyes with gaze labels from the official normalized .mat files (see the module comment for the label
 * convention and the right-eye mirroring). With `eyes: 'both'` each day's left and right eye of a frame
 * are adjacent (left first), so `limit` keeps pairs together.
 */
export async function loadMpiigazeOfficial(root: string, size: Size = EYE_SIZE, options: OfficialOptions = {}): Promise<LoadResult> {
  const eyes: ('left' | 'right')[] = options.eyes === 'left' ? ['left'] : options.eyes === 'right' ? ['right'] : ['left', 'right'];
  const items: { where: string; result: Decoded }[] = [];
  const limit = options.limit ?? Infinity;
  for (const file of officialFiles(root, options)) {
    if (items.length >= limit) break;
    const mat = readMat(readOrFail(file, 'the .mat file'), file);
    const blocks = eyes.map((e) => eyeBlock(mat, e, file));
    const n = blocks[0].count;
    if (blocks.some((b) => b.count !== n)) throw new DataError(file, `left and right eyes have different counts (${blocks.map((b) => `${b.eye} ${b.count}`).join(', ')})`);
    const jobs: { block: EyeBlock; i: number }[] = [];
    for (let i = 0; i < n && items.length + jobs.length < limit; i++) for (const block of blocks) if (items.length + jobs.length < limit) jobs.push({ block, i });
    const results = await mapLimit(jobs, options.concurrency ?? 8, async ({ block, i }): Promise<Decoded> => {
      const per = block.height * block.width;
      let u8 = block.pixels.subarray(i * per, (i + 1) * per);
      let [x, y, z] = block.gaze[i];
      if (block.eye === 'right') {
        u8 = flipHorizontal(u8, block.width, block.height);
        x = -x;
      }
      return { pixels: await resizeGray(u8, block, size), label: gazeLabel(x, y, z) };
    });
    jobs.forEach(({ block, i }, k) => items.push({ where: `${file} ${block.eye} ${i + 1}`, result: results[k] }));
  }
  return assemble(root, `MPIIGaze eyes under ${root}`, items, [size.height, size.width, 1], {
    name: options.name ?? 'mpiigaze',
    labelNames: GAZE_LABEL_NAMES,
    warn: options.warn,
  });
}
