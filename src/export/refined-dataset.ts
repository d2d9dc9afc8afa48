/**
 * A run's refiner applied to an image source, written as a dataset other tools can read:
 *
 *   DIR/images/000000.png …   one 8-bit gray PNG per refined image, at the run's image size
 *   DIR/labels.csv            file name, then the source's label components (e.g. x,y,z,yaw,pitch or class)
 *   DIR/refined.bin           the same images and labels in the project's binary dataset format
 *                             (readDatasetCache), for reuse here
 *   DIR/info.json             run, checkpoint step, config, source, count, size, label names, seconds
 *
 * Everything is written into a temporary sibling folder that is renamed to DIR only when complete, so an
 * interrupted export never leaves a DIR that looks finished; a rerun starts over.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { ArrayImageDataset, ImageDataset, writeDatasetCache } from '../data/dataset';
import { grayPng, Size } from '../data/images';
import { loadImageFolder } from '../data/mpiigaze';
import { knownDatasets, loadSource, sourceSize } from '../data/registry';
import { loadRunRefiner } from '../eval/evaluate';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { assertTrainedRun } from '../runs/checkpoint';
import { readRunConfig } from '../runs/run-dir';
import { UserError } from '../util/user-error';

export interface RefineExportOptions {
  /** A `simgan train` run folder with a checkpoint. */
  runDir: string;
  /** A source name (`simgan data info`) or a folder of the user's own PNG/JPEG images at the run's size. */
  source: string;
  /** Images to export (default 1,000, or all of a smaller source). */
  count?: number;
  /** Synthetic sources: the renderer's seed (default 1, as in training). */
  seed?: number;
  /** The dataset folder to create; must not exist yet (or be empty). */
  out: string;
  /** Images refined per batch (default 64). */
  batchSize?: number;
  /** Progress: called after each batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface RefineExportResult {
  out: string;
  run: string;
  step: number;
  source: string;
  count: number;
  size: Size;
  labelNames: string[] | null;
  seconds: number;
}

export const DEFAULT_EXPORT_COUNT = 1000;

const sizeText = (s: Size) => `${s.width}×${s.height}`;

/** A user error unless every image in `dir` is `size` (checked from the headers; nothing is resized). */
async function assertFolderSize(dir: string, size: Size): Promise<void> {
  const files = readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  if (!files.length) throw new UserError(`--source ${dir}: a folder with no .png/.jpg images`);
  for (const f of files) {
    const m = await sharp(path.join(dir, f)).metadata().catch(() => undefined);
    if (!m?.width || !m.height) throw new UserError(`${path.join(dir, f)}: not a readable image`);
    if (m.width !== size.width || m.height !== size.height) {
      throw new UserError(`${path.join(dir, f)} is ${m.width}×${m.height}, but the run refines ${sizeText(size)} images: resize the folder's images to ${sizeText(size)}`);
    }
  }
}

/** The source's images at the run's size, or a user error naming the mismatch. */
async function loadExportSource(o: RefineExportOptions, config: SimGANConfig): Promise<ImageDataset> {
  const size = { width: config.image.width, height: config.image.height };
  const count = o.count ?? DEFAULT_EXPORT_COUNT;
  if (existsSync(o.source) && statSync(o.source).isDirectory()) {
    await assertFolderSize(o.source, size);
    return (await loadImageFolder(o.source, size, { limit: count, name: path.basename(path.resolve(o.source)) })).dataset;
  }
  if (!knownDatasets().includes(o.source)) {
    throw new UserError(`--source ${o.source}: neither a folder nor a source; sources: ${knownDatasets().join(', ')}`);
  }
  const own = sourceSize(o.source);
  if (own.width !== size.width || own.height !== size.height) {
    throw new UserError(
      `--source ${o.source} makes ${sizeText(own)} images, but run ${o.runDir} (preset ${config.preset}) refines ${sizeText(size)}: ` +
        'choose a source of the run\'s domain, or a run trained on this one',
    );
  }
  return loadSource(o.source, { size, count, seed: o.seed });
}

export async function exportRefined(o: RefineExportOptions): Promise<RefineExportResult> {
  const t0 = performance.now();
  assertTrainedRun(o.runDir);
  if (o.count !== undefined && !(Number.isInteger(o.count) && o.count >= 1)) throw new UserError(`count ${o.count}: give a whole number ≥ 1`);
  const out = path.resolve(o.out);
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
    throw new UserError(`${out} already exists and is not empty: choose another --out (an export never overwrites)`);
  }
  const config = readRunConfig(o.runDir);
  const source = await loadExportSource(o, config);
  const n = Math.min(o.count ?? DEFAULT_EXPORT_COUNT, source.size);
  const size = { width: config.image.width, height: config.image.height };
  const [h, w, c] = source.imageShape;
  if (h !== size.height || w !== size.width || c !== config.image.channels) {
    throw new UserError(`--source ${o.source} has ${w}×${h}×${c} images; the run refines ${sizeText(size)}×${config.image.channels}`);
  }
  const { refiner, step } = loadRunRefiner(o.runDir, config);
  const temp = `${out}.partial-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(path.join(temp, 'images'), { recursive: true });
  try {
    const per = h * w * c;
    const pixels = new Float32Array(n * per);
    const digits = Math.max(6, String(n - 1).length);
    const names: string[] = [];
    const batch = o.batchSize ?? 64;
    for (let start = 0; start < n; start += batch) {
      const idx = Array.from({ length: Math.min(batch, n - start) }, (_, k) => start + k);
      const refined = tf.tidy(() => refiner.predict(source.batch(idx)) as tf.Tensor4D);
      const values = await refined.data();
      refined.dispose();
      pixels.set(values, start * per);
      for (let k = 0; k < idx.length; k++) {
        const name = `${String(idx[k]).padStart(digits, '0')}.png`;
        writeFileSync(path.join(temp, 'images', name), await grayPng(values.subarray(k * per, (k + 1) * per), size));
        names.push(name);
      }
      o.onProgress?.(start + idx.length, n);
    }
    const labels = source.labels ? source.labels.slice(0, n) : undefined;
    // Unnamed label components still get a column each (label0, label1, …).
    const labelNames = source.labelNames ?? (labels?.length ? Array.from(labels[0], (_, i) => `label${i}`) : null);
    const header = ['file', ...(labelNames ?? [])].join(',');
    const rows = names.map((name, i) => [`images/${name}`, ...(labels ? Array.from(labels[i], (v) => String(v)) : [])].join(','));
    writeFileAtomic(path.join(temp, 'labels.csv'), [header, ...rows].join('\n') + '\n');
    const dataset = new ArrayImageDataset(`${source.name}/refined`, [h, w, c], pixels, labels, labelNames ?? undefined);
    writeDatasetCache(path.join(temp, 'refined.bin'), dataset, `refined ${path.resolve(o.runDir)} step=${step} source=${o.source} n=${n}`);
    const result: RefineExportResult = { out, run: path.resolve(o.runDir), step, source: o.source, count: n, size, labelNames, seconds: Math.round((performance.now() - t0) / 10) / 100 };
    writeJsonAtomic(path.join(temp, 'info.json'), { ...result, config });
    // The finished folder appears in one rename (an empty DIR from a user's mkdir is replaced).
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(temp, out);
    return result;
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  } finally {
    refiner.dispose();
  }
}
