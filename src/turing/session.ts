/**
 * The image set of a visual Turing test, deterministic from (run, count, seed): `count` images, half real
 * and half refined, in a seeded random order, each under an opaque id (`img-07`) that says nothing about
 * its class, rendered to PNG.
 *
 * Two parts: `turingPlan` (pure: the balanced order and the ids) and `buildTuringSession` (pixels → PNG)
 * over a `TuringImageSource`, so tests inject tiny images; `runImageSource` is the source for a run
 * directory (its refiner applied to its synthetic images, and its real images).
 */
import type { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { toArrayDataset } from '../data/dataset';
import { loadDataset, loadRealSplit } from '../data/registry';
import { refineDataset } from '../eval/evaluate';
import { Rng } from '../util/random';
import { imageGridPng } from '../viz/image-grid';
import type { TuringLabel } from './stats';

export const DEFAULT_TURING_COUNT = 20;
export const DEFAULT_TURING_SEED = 1;

/** One slot of the test: its id, its class and which image of that class it shows. */
export interface TuringSlot {
  id: string;
  truth: TuringLabel;
  /** Index into the class's images (0 … count/2 − 1). */
  index: number;
}

/** `count` must be even (half real, half refined) and ≥ 2; the error names the value and the fix. */
export function checkTuringCount(count: number): void {
  if (!(Number.isInteger(count) && count >= 2 && count % 2 === 0)) {
    throw new Error(`count ${count}: give an even whole number ≥ 2 (half the images are real, half refined)`);
  }
}

/**
 * The balanced, seeded order: exactly count/2 real and count/2 refined slots, shuffled (Fisher–Yates with
 * the seeded `Rng`). Ids number the slots in presentation order, so they carry no class information.
 */
export function turingPlan(count: number, seed: number): TuringSlot[] {
  checkTuringCount(count);
  const half = count / 2;
  const slots: Array<Omit<TuringSlot, 'id'>> = [];
  for (let i = 0; i < half; i++) slots.push({ truth: 'real', index: i }, { truth: 'refined', index: i });
  const rng = new Rng(seed);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  const width = Math.max(2, String(count).length);
  return slots.map((s, i) => ({ id: `img-${String(i + 1).padStart(width, '0')}`, ...s }));
}

/** Pixels for a test: `perClass` images of each class, values in [-1, 1] (the library's convention). */
export interface TuringImages {
  /** [height, width, channels] of every image (channels 1 or 3). */
  shape: [number, number, number];
  real: Float32Array[];
  refined: Float32Array[];
  /** Where each class came from, for the console and session.json (e.g. "toy-real held-out split"). */
  sources: { real: string; refined: string };
}

/** Gives `perClass` real and `perClass` refined images, chosen deterministically from `seed`. */
export type TuringImageSource = (perClass: number, seed: number) => Promise<TuringImages>;

export interface TuringItem extends TuringSlot {
  png: Buffer;
}

export interface TuringSession {
  count: number;
  seed: number;
  /** In presentation order. */
  items: TuringItem[];
  shape: [number, number, number];
  sources: TuringImages['sources'];
}

/**
 * Nearest-neighbour upscale for display: the largest integer factor (1…8) keeping the longer side within
 * 256 px, so a 55×35 eye is shown ×4 (220×140), 16×16 toys ×8, 224×224 hands as they are. Nearest
 * neighbour shows the pixels the discriminator saw; smoothing would hide exactly the artefacts a subject
 * looks for.
 */
export function turingScale(shape: readonly number[]): number {
  return Math.max(1, Math.min(8, Math.floor(256 / Math.max(shape[0], shape[1]))));
}

export interface BuildSessionOptions {
  /** Images in the test (default 20, the paper's real-vs-synthetic trial size; must be even). */
  count?: number;
  /** Seed of the order and of the image choice (default 1). */
  seed?: number;
  /** Upscale factor (default `turingScale(shape)`). */
  scale?: number;
}

/** Plan the test, fetch its pixels from `source` and render each image as a PNG. */
export async function buildTuringSession(source: TuringImageSource, options: BuildSessionOptions = {}): Promise<TuringSession> {
  const count = options.count ?? DEFAULT_TURING_COUNT;
  const seed = options.seed ?? DEFAULT_TURING_SEED;
  const plan = turingPlan(count, seed);
  const images = await source(count / 2, seed);
  const [h, w, c] = images.shape;
  for (const truth of ['real', 'refined'] as const) {
    const list = images[truth];
    if (list.length !== count / 2) throw new Error(`the image source gave ${list.length} ${truth} images; the test needs ${count / 2}`);
    const bad = list.findIndex((im) => im.length !== h * w * c);
    if (bad >= 0) throw new Error(`${truth} image ${bad} has ${list[bad].length} values; shape ${h}×${w}×${c} needs ${h * w * c}`);
  }
  const scale = options.scale ?? turingScale(images.shape);
  const items: TuringItem[] = [];
  for (const slot of plan) {
    // One fixed range for both classes: auto-ranging each image would stretch contrast differently per
    // image, a cue that is not in the images themselves.
    const png = await imageGridPng({ data: images[slot.truth][slot.index], shape: [h, w, c] }, { scale, gap: 0, range: [-1, 1] });
    items.push({ ...slot, png });
  }
  return { count, seed, items, shape: images.shape, sources: images.sources };
}

/** `n` distinct indices of 0…size−1 (partial Fisher–Yates with `rng`). */
function pickDistinct(size: number, n: number, rng: Rng): number[] {
  const idx = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (size - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n);
}

/**
 * The images of a run: real ones from the real domain's held-out split (images neither R nor D trained
 * on, so D's memory of particular images cannot have shaped R) when it holds enough, else from the train
 * split (the source string says which); refined ones are the run's refiner applied to synthetic images.
 * Both drawn without replacement with `Rng(seed)`. The caller owns and disposes `refiner`.
 */
export function runImageSource(config: SimGANConfig, refiner: tf.LayersModel): TuringImageSource {
  return async (perClass, seed) => {
    const rng = new Rng(seed);
    const { train, holdout } = await loadRealSplit(config);
    const useHoldout = holdout.size >= perClass;
    const realSet = toArrayDataset(useHoldout ? holdout : train);
    if (realSet.size < perClass) {
      throw new Error(`the real domain '${config.data.real}' has ${realSet.size} images; the test needs ${perClass} (lower --count)`);
    }
    const synthetic = toArrayDataset(await loadDataset(config.data.synthetic, { config }));
    if (synthetic.size < perClass) {
      throw new Error(`the synthetic domain '${config.data.synthetic}' has ${synthetic.size} images; the test needs ${perClass} (lower --count)`);
    }
    const realIdx = pickDistinct(realSet.size, perClass, rng);
    const synIdx = pickDistinct(synthetic.size, perClass, rng);
    const refined = await refineDataset(refiner, synthetic.subset(synIdx));
    return {
      shape: realSet.imageShape,
      real: realIdx.map((i) => realSet.image(i).slice()),
      refined: Array.from({ length: perClass }, (_, i) => refined.image(i).slice()),
      sources: {
        real: `${config.data.real}, ${useHoldout ? 'held-out split' : `train split (the held-out split has only ${holdout.size} images)`}`,
        refined: `${config.data.synthetic} through the run's refiner`,
      },
    };
  };
}
