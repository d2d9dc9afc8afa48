/**
 * Real eyes WITH gaze labels from the Columbia Gaze Data Set (B. A. Smith, Q. Yin, S. K. Feiner,
 * S. K. Nayar, "Gaze Locking", UIST 2013; non-commercial research use only): the labelled real set for the
 * paper's downstream question (does a gaze estimator trained on refined synthetic eyes beat one trained on
 * raw synthetic eyes, on real eyes?), and — for other people — an unlabelled real domain for the refiner.
 *
 * Input: a folder of 64×64 RGB JPEG eye crops (the shared copy: 8,304 crops of 40 people, each a square of
 * 1.5 × dlib's eye-landmark box), named `SSSS_2m_<P>P_<V>V_<H>H_<E>.jpg`: SSSS the person (0001…), P the head
 * pose in degrees (0, ±15, ±30), V the vertical and H the horizontal gaze in degrees (0, ±10 and 0, ±5,
 * ±10, ±15: the dot looked at), E `L` or `R` the eye of the photo (`parseColumbiaName`).
 *
 * Crop. `COLUMBIA_CROP`, the band of rows 12…52 of the 64×64 crop (full width), holds the eye: 64:40 is
 * close to the paper's 55:35, so the eye fills the frame as in the 55×35 images the simulator draws. It is
 * made gray and resized exactly to `size` (default 55×35). Checked on a grid of all 40 people at P = 0
 * (`simgan data show columbia-gaze`): the eye sits in the middle with both corners inside, spanning about
 * 70–85% of the width, the upper lid's crease and some skin below the lower lid in frame; glasses frames
 * cross the top rows for about a quarter of the people. The box is in pixels of a 64×64 crop, so a JPEG
 * of any other size is skipped (on it the box would cut somewhere else).
 *
 * Labels `[x, y, z, yaw, pitch]` in the project's (MPIIGaze's) convention (see eyes-sim.ts: positive yaw
 * moves the iris LEFT in the image, positive pitch moves it UP; g = (−cos p·sin y, −sin p, −cos p·cos y)).
 * On these photos positive H moves the iris to the RIGHT of the image and positive V moves it UP, so
 * yaw = −H°, pitch = +V° (`columbiaLabel`, radians). Measured in test/columbia-gaze.test.ts on the training
 * people's P = 0 crops at 55×35: the darkest pixels of the mean H = +15 image sit at column 31.7 against
 * 23.6 for H = −15 (every one of the 28 people agrees), those of V = +10 at row 13.4 against 15.1 for
 * V = −10 (28 of 28).
 *
 * Left and right eyes are both kept as they are, not mirrored onto one side: the synthetic renderer draws
 * the inner corner on either side with 50% probability, so the refiner and the estimator see both shapes
 * on both domains; mirroring would also need the yaw flipped.
 *
 * Poses. Only P = 0 (camera-frontal) is loaded unless `poses` asks for others: for P ≠ 0 the gaze angles
 * may be measured from the face's frontal direction rather than the camera's axis (not stated by the
 * dataset), so their labels would not be camera gaze without a check.
 *
 * Split by person (`columbiaSplit`, fixed): people 1–28 are SimGAN's unlabelled real domain and the
 * real-trained estimator's training set (source `columbia-gaze`); people 29–40 are the held-out labelled
 * test set (`columbia-gaze-test`). Never the same person on both sides (`assertDisjointPeople`); every
 * load returns the person of each image (`people`) so that callers can prove it.
 *
 * Data quality: some crops of the shared copy hold no eye (the landmark detector failed: a flat patch of
 * skin, hair or background). At P = 0, 6 have an eye band this flat (gray-level standard deviation below 24
 * of 255; the next lowest is 33, a real eye), all of training people: 0001 10V 10H L and R, 0002 0V 0H L and
 * R, 0006 10V 10H L and R. They are loaded like the others (0.5% of the training set); no threshold is
 * applied because at other poses flat and real crops are not separated so cleanly (person 0008 at P = 30
 * has at least 8 such crops).
 *
 * Bad input: a missing or unreadable folder, one without .jpg files, or with none for the selected people
 * and poses: stop (`DataError`). Per file, skip-and-count (one `SkipLog` entry naming the file, one summary
 * warning): a name that does not parse, an unreadable JPEG, a JPEG that is not 64×64. Everything skipped
 * stops with the summary.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError, SkipLog } from './errors';
import { assertDisjointPeople, peopleOf } from './people';

export { assertDisjointPeople, peopleOf };
import type { Box, Size } from './images';
import { assemble, decodeOrSkip, EYE_SIZE, GAZE_LABEL_NAMES, gazeLabel, mapLimit, type Decoded, type LoadOptions, type LoadResult } from './mpiigaze';

/** The size of every crop of the dataset (what `COLUMBIA_CROP` is measured in). */
export const COLUMBIA_INPUT_SIZE: Size = { width: 64, height: 64 };

/** The eye band of a 64×64 crop: rows 12…52, full width (64:40 ≈ 55:35; see the module comment). */
export const COLUMBIA_CROP: Readonly<Box> = Object.freeze({ left: 0, top: 12, width: 64, height: 40 });

/** Everyone in the dataset: persons 1…40. */
export const COLUMBIA_PEOPLE: readonly number[] = Object.freeze(Array.from({ length: 40 }, (_, i) => i + 1));

export const COLUMBIA_POSES = [0, -15, 15, -30, 30];
export const COLUMBIA_VERTICAL = [0, -10, 10];
export const COLUMBIA_HORIZONTAL = [0, -5, 5, -10, 10, -15, 15];

const DEG = Math.PI / 180;
const NAME = /^(\d{4})_2m_(-?\d+)P_(-?\d+)V_(-?\d+)H_([LR])\.jpg$/;
const PATTERN = 'SSSS_2m_<P>P_<V>V_<H>H_<E>.jpg (e.g. 0001_2m_-15P_-10V_-10H_L.jpg)';

export interface ColumbiaName {
  person: number;
  /** Head pose, degrees. */
  pose: number;
  /** Vertical gaze, degrees (positive: up). */
  vertical: number;
  /** Horizontal gaze, degrees (positive: the iris to the right of the image). */
  horizontal: number;
  eye: 'L' | 'R';
}

/** The labels in a crop's file name (a path is fine); a `DataError` naming the file and the pattern otherwise. */
export function parseColumbiaName(file: string): ColumbiaName {
  const m = NAME.exec(path.basename(file));
  if (!m) throw new DataError(file, `not a Columbia Gaze crop name: expected ${PATTERN}`);
  const [person, pose, vertical, horizontal] = [1, 2, 3, 4].map((k) => Number(m[k]));
  const bad = (what: string, v: number, allowed: number[]) =>
    new DataError(file, `${what} ${v} is not one of ${allowed.join(', ')} (expected ${PATTERN})`);
  if (person < 1) throw new DataError(file, `person 0000 does not exist; persons count from 0001 (expected ${PATTERN})`);
  if (!COLUMBIA_POSES.includes(pose)) throw bad('head pose P', pose, COLUMBIA_POSES);
  if (!COLUMBIA_VERTICAL.includes(vertical)) throw bad('vertical gaze V', vertical, COLUMBIA_VERTICAL);
  if (!COLUMBIA_HORIZONTAL.includes(horizontal)) throw bad('horizontal gaze H', horizontal, COLUMBIA_HORIZONTAL);
  return { person, pose, vertical, horizontal, eye: m[5] as 'L' | 'R' };
}

/**
 * Each image's label: the gaze `[x, y, z, yaw, pitch]`, then the person (1…40). The person rides along in
 * the label so that every dataset built from these images — cached, split, subset, refined — can still prove
 * which people it holds (`peopleOf`); estimators read only x, y, z.
 */
export const COLUMBIA_LABEL_NAMES = [...GAZE_LABEL_NAMES, 'person'];

/** `[x, y, z, yaw, pitch]` for a horizontal and vertical gaze in degrees: yaw = −H, pitch = +V (radians). */
export function columbiaLabel(horizontal: number, vertical: number): Float32Array {
  const yaw = -horizontal * DEG, pitch = vertical * DEG;
  return gazeLabel(-Math.cos(pitch) * Math.sin(yaw), -Math.sin(pitch), -Math.cos(pitch) * Math.cos(yaw));
}

/**
 * The fixed person-wise split: `train` (1–28) is SimGAN's unlabelled real domain and the real-trained
 * estimator's training set; `test` (29–40) is the held-out labelled test set. Fresh arrays each call.
 */
export function columbiaSplit(): { train: number[]; test: number[] } {
  return { train: COLUMBIA_PEOPLE.filter((p) => p <= 28), test: COLUMBIA_PEOPLE.filter((p) => p > 28) };
}

/** The registry's two sources: which people and poses each loads (see `columbiaSplit`). */
export const COLUMBIA_SOURCES: Readonly<Record<'columbia-gaze' | 'columbia-gaze-test', { people: number[]; poses: number[] }>> = Object.freeze({
  'columbia-gaze': { people: columbiaSplit().train, poses: [0] },
  'columbia-gaze-test': { people: columbiaSplit().test, poses: [0] },
});

export interface ColumbiaOptions extends LoadOptions {
  /** Persons to load (default all in the folder). */
  people?: number[];
  /** Head poses to load (default [0], camera-frontal; see the module comment). */
  poses?: number[];
}

export type ColumbiaResult = LoadResult & {
  /** The person of each image of the dataset, in its order. */
  people: number[];
  /** The file of each image of the dataset, in its order. */
  files: string[];
};

/** The .jpg files of `dir`, sorted by name; a `DataError` for a missing, unreadable or .jpg-less folder. */
export function columbiaFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new DataError(dir, `cannot read the Columbia Gaze crops folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const jpgs = entries.filter((f) => /\.jpg$/i.test(f)).sort();
  if (jpgs.length === 0) throw new DataError(dir, `expected Columbia Gaze crops named ${PATTERN}, found no .jpg files (${entries.length} other entries)`);
  return jpgs;
}

async function loadOne(file: string, name: ColumbiaName, size: Size): Promise<Decoded> {
  let bytes: Buffer, width: number | undefined, height: number | undefined;
  try {
    bytes = await readFile(file); // read once: the size check and the decode both use it
    ({ width, height } = await sharp(bytes).metadata());
  } catch (e) {
    return { skip: `not a readable image (${(e as Error).message})` };
  }
  if (width !== COLUMBIA_INPUT_SIZE.width || height !== COLUMBIA_INPUT_SIZE.height) {
    return { skip: `is ${width}×${height}, expected a 64×64 crop (the eye box rows 12…52 is set for 64×64)` };
  }
  const d = await decodeOrSkip(bytes, size, file, COLUMBIA_CROP);
  return 'skip' in d ? d : { pixels: d.pixels, label: Float32Array.of(...columbiaLabel(name.horizontal, name.vertical), name.person) };
}

/** Columbia Gaze crops of `dir` for the chosen people and poses, in file-name order (see the module comment). */
export async function loadColumbiaGaze(dir: string, size: Size = EYE_SIZE, options: ColumbiaOptions = {}): Promise<ColumbiaResult> {
  const poses = options.poses ?? [0];
  const people = options.people && new Set(options.people);
  type Entry = { file: string; name?: ColumbiaName; skip?: string };
  let entries: Entry[] = [];
  for (const f of columbiaFiles(dir)) {
    const file = path.join(dir, f);
    try {
      const name = parseColumbiaName(file);
      if ((!people || people.has(name.person)) && poses.includes(name.pose)) entries.push({ file, name });
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      entries.push({ file, skip: e.what }); // unknown person and pose: reported whatever the selection
    }
  }
  if (!entries.some((e) => e.name)) {
    const sel = [options.people && `people ${options.people.join(',')}`, `poses ${poses.join(',')}`].filter(Boolean).join(', ');
    const bad = new SkipLog();
    for (const e of entries) bad.add(e.file, e.skip ?? '');
    const summary = bad.summary(entries.length, `files in ${dir}`);
    throw new DataError(dir, `no Columbia Gaze crops for ${sel}${summary ? ` (${summary})` : ''}`);
  }
  if (options.limit !== undefined) entries = entries.slice(0, options.limit);
  const results = await mapLimit(entries, options.concurrency ?? 8, async (e): Promise<Decoded> => (e.name ? loadOne(e.file, e.name, size) : { skip: e.skip ?? 'no name' }));
  const loaded = assemble(dir, `Columbia Gaze crops in ${dir}`, entries.map((e, i) => ({ where: e.file, result: results[i] })), [size.height, size.width, 1], {
    name: options.name ?? 'columbia-gaze',
    labelNames: COLUMBIA_LABEL_NAMES,
    warn: options.warn,
  });
  const kept = entries.filter((_, i) => !('skip' in results[i]));
  return { ...loaded, people: kept.map((e) => e.name!.person), files: kept.map((e) => e.file) };
}
