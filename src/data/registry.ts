/**
 * Dataset names a config may use (`data.synthetic`, `data.real`) and how each is loaded.
 *
 * Everything except `toy-*` goes through the binary cache in `data/cache/` (git-ignored): the key holds
 * the source's path, size and modification time (real data) or the renderer's code hash, count and seed
 * (synthetic data), so a stale cache is rebuilt, never used.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ARCHITECTURE_ONLY, type SimGANConfig } from '../config';
import { UserError } from '../util/user-error';
import { dataDir } from '../paths';
import { datasetCatalog, locateDataset, SYNTHETIC_COUNT } from './catalog';
import { COLUMBIA_CROP, COLUMBIA_SOURCES, columbiaSplit, loadColumbiaGaze } from './columbia-gaze';
import { assertDisjointPeople, peopleOf } from './people';
import { ArrayImageDataset, cachedDataset, DomainPair, ImageDataset, splitDataset } from './dataset';
import { renderDigits } from './digits-sim';
import { COLUMBIA_FRAMING, COLUMBIA_GAZE_RANGES, renderEyes } from './eyes-sim';
import type { Size } from './images';
import { loadMnist } from './mnist';
import { loadImageFolder, loadMpiigazeCsv, loadMpiigazeOfficial } from './mpiigaze';
import { renderToy } from './toy';
import { loadUnityEyes } from './unityeyes';

export interface SourceOptions {
  /** Image size to produce (real images are resized; synthetic ones rendered at it). */
  size: Size;
  /** Synthetic sources: how many images (default 10,000). Real sources: at most this many (default all). */
  count?: number;
  /** Synthetic sources: the renderer's seed (default 1: every run shares the same data). */
  seed?: number;
  /** Where skipped-input summaries go (default console.warn). */
  warn?: (message: string) => void;
  /** Cache folder (default data/cache). */
  cacheDir?: string;
}

type Loader = (o: SourceOptions) => Promise<ImageDataset>;

function codeHash(modulePath: string): string {
  return createHash('sha1').update(readFileSync(require.resolve(modulePath))).digest('hex').slice(0, 12);
}

/** size, mtime and name of a file, or of every file in a folder: what decides whether a cache is stale. */
function fingerprint(p: string): string {
  const st = statSync(p);
  if (!st.isDirectory()) return `${p}:${st.size}:${Math.round(st.mtimeMs)}`;
  const parts = readdirSync(p).sort().map((f) => {
    const s = statSync(path.join(p, f));
    return `${f}:${s.size}:${Math.round(s.mtimeMs)}`;
  });
  return createHash('sha1').update(`${p}\n${parts.join('\n')}`).digest('hex');
}

const sizeKey = (s: Size) => `${s.width}x${s.height}`;

function cacheFile(o: SourceOptions, name: string, key: string): string {
  const h = createHash('sha1').update(key).digest('hex').slice(0, 10);
  return path.join(o.cacheDir ?? path.join(dataDir(), 'cache'), `${name}-${h}.bin`);
}

async function cached(o: SourceOptions, name: string, key: string, build: () => Promise<ImageDataset>): Promise<ArrayImageDataset> {
  return cachedDataset(cacheFile(o, name, key), key, build);
}

function requireSize(name: string, o: SourceOptions, w: number, h: number): void {
  if (o.size.width !== w || o.size.height !== h) {
    throw new UserError(`dataset '${name}' is ${w}×${h}; the config asks for ${o.size.width}×${o.size.height} (set image.width/height, or --size for simgan data)`);
  }
}

const LOADERS: Record<string, Loader> = {
  // Toy data is cheap to render; seeds fixed per domain so runs with different seeds share the data.
  'toy-synthetic': async (o) => renderToy('synthetic', { height: o.size.height, width: o.size.width, count: o.count ?? 2048, seed: 11 }),
  'toy-real': async (o) => renderToy('real', { height: o.size.height, width: o.size.width, count: o.count ?? 2048, seed: 22 }),
  'eyes-sim': async (o) => {
    const count = o.count ?? SYNTHETIC_COUNT, seed = o.seed ?? 1;
    const key = `eyes-sim ${codeHash('./eyes-sim')} n=${count} seed=${seed} ${sizeKey(o.size)}`;
    return cached(o, 'eyes-sim', key, async () => renderEyes({ count, seed, width: o.size.width, height: o.size.height }));
  },
  // The same renderer, framed and ranged like the Columbia Gaze crops (eyes-sim.ts, COLUMBIA_FRAMING).
  'eyes-sim-columbia': async (o) => {
    const count = o.count ?? SYNTHETIC_COUNT, seed = o.seed ?? 1;
    const key = `eyes-sim-columbia ${codeHash('./eyes-sim')} n=${count} seed=${seed} ${sizeKey(o.size)}`;
    return cached(o, 'eyes-sim-columbia', key, async () => {
      const ds = renderEyes({ count, seed, width: o.size.width, height: o.size.height, gaze: COLUMBIA_GAZE_RANGES, framing: COLUMBIA_FRAMING });
      return new ArrayImageDataset('eyes-sim-columbia', ds.imageShape, ds.pixels, ds.labels, ds.labelNames);
    });
  },
  'digits-sim': async (o) => {
    requireSize('digits-sim', o, 28, 28);
    const count = o.count ?? SYNTHETIC_COUNT, seed = o.seed ?? 1;
    const key = `digits-sim ${codeHash('./digits-sim')} n=${count} seed=${seed}`;
    return cached(o, 'digits-sim', key, async () => renderDigits({ count, seed }));
  },
  mnist: async (o) => {
    requireSize('mnist', o, 28, 28);
    return limit(await loadMnist('train', o.cacheDir), o.count);
  },
  'mnist-test': async (o) => {
    requireSize('mnist-test', o, 28, 28);
    return limit(await loadMnist('test', o.cacheDir), o.count);
  },
  'mpiigaze-csv': async (o) => {
    const file = locateDataset('mpiigaze-csv');
    const key = `mpiigaze-csv ${fingerprint(file)} ${sizeKey(o.size)} limit=${o.count ?? 'all'}`;
    return cached(o, 'mpiigaze-csv', key, async () => (await loadMpiigazeCsv(file, o.size, { limit: o.count, warn: o.warn })).dataset);
  },
  'mpiigaze-55x35-png': async (o) => {
    const dir = locateDataset('mpiigaze-55x35-png');
    return (await loadImageFolder(dir, o.size, { limit: o.count, warn: o.warn, name: 'mpiigaze-55x35-png' })).dataset;
  },
  'mpiigaze-official': async (o) => {
    const root = locateDataset('mpiigaze-official');
    const key = `mpiigaze-official ${fingerprint(path.join(root, 'Data', 'Normalized'))} ${sizeKey(o.size)} limit=${o.count ?? 'all'}`;
    return cached(o, 'mpiigaze-official', key, async () => (await loadMpiigazeOfficial(root, o.size, { limit: o.count, warn: o.warn })).dataset);
  },
  'columbia-gaze': (o) => columbia('columbia-gaze', o),
  'columbia-gaze-test': (o) => columbia('columbia-gaze-test', o),
  unityeyes: async (o) => {
    const dir = locateDataset('unityeyes');
    const key = `unityeyes ${fingerprint(dir)} ${sizeKey(o.size)} limit=${o.count ?? 'all'}`;
    return cached(o, 'unityeyes', key, async () => (await loadUnityEyes(dir, o.size, { limit: o.count, warn: o.warn })).dataset);
  },
};

/** A Columbia Gaze source: the people and poses of `COLUMBIA_SOURCES[name]` (train or test people, P = 0). */
async function columbia(name: keyof typeof COLUMBIA_SOURCES, o: SourceOptions): Promise<ImageDataset> {
  const split = columbiaSplit();
  assertDisjointPeople(split.train, split.test, ['training', 'test']);
  const dir = locateDataset(name);
  const { people, poses } = COLUMBIA_SOURCES[name];
  // The loader's code hash is in the key: a change to the crop or the labels rebuilds the cache.
  const key = `${name} ${codeHash('./columbia-gaze')} ${fingerprint(dir)} ${sizeKey(o.size)} people=${people.join(',')} poses=${poses.join(',')} crop=${Object.values(COLUMBIA_CROP).join(',')} limit=${o.count ?? 'all'}`;
  return cached(o, name, key, async () => (await loadColumbiaGaze(dir, o.size, { people, poses, limit: o.count, warn: o.warn, name })).dataset);
}

function limit(ds: ArrayImageDataset, count: number | undefined): ArrayImageDataset {
  return count === undefined || count >= ds.size ? ds : ds.subset(Array.from({ length: count }, (_, i) => i));
}

/** The size a source makes by default (`simgan data`), and what a run must be trained at to refine it. */
export function sourceSize(source: string): Size {
  if (source.startsWith('toy')) return { width: 16, height: 16 };
  if (source.startsWith('digits') || source.startsWith('mnist')) return { width: 28, height: 28 };
  return { width: 55, height: 35 };
}

/** Names accepted by `data.synthetic` / `data.real` and by `simgan data build|show`. */
export function knownDatasets(): string[] {
  return Object.keys(LOADERS);
}

/**
 * A user error unless every source the config names can be loaded here: known, not architecture-only, and
 * present on disk. Called before a run writes anything, so absent data never leaves a half-made run.
 */
export function assertDataAvailable(config: SimGANConfig, env: Record<string, string | undefined> = process.env): void {
  const architecture = ARCHITECTURE_ONLY[config.preset];
  if (architecture) throw new UserError(`preset '${config.preset}' is architecture-only: ${architecture}. Train one of the other presets.`);
  const catalog = datasetCatalog(env);
  const named: Array<[string, string]> = [['data.synthetic', config.data.synthetic], ['data.real', config.data.real], ['data.test', config.data.test ?? '']];
  for (const [field, name] of named) {
    if (!name) continue;
    if (!LOADERS[name]) throw new UserError(`${field} '${name}' is not a data source; use one of ${knownDatasets().join(', ')}`);
    const status = catalog.find((d) => d.name === name);
    if (status && !status.present) {
      throw new UserError(`${field} '${name}' is absent (looked in ${status.searched.join(', ')}): ${status.howToGet}. simgan data info lists every source.`);
    }
  }
}

export async function loadSource(name: string, o: SourceOptions): Promise<ImageDataset> {
  const loader = LOADERS[name];
  if (!loader) {
    const hint = name === 'nyu-hands' ? ' (hand crops load with the library function loadNyuHandCrops; no hand training set is wired)' : '';
    throw new UserError(`dataset '${name}' cannot be loaded${hint}. Available: ${knownDatasets().join(', ')}`);
  }
  return loader(o);
}

export interface LoadContext {
  config: SimGANConfig;
}

/** A dataset for a config's domain, checked against the config's image size. */
export async function loadDataset(name: string, ctx: LoadContext): Promise<ImageDataset> {
  const img = ctx.config.image;
  const ds = await loadSource(name, { size: { width: img.width, height: img.height } });
  const [h, w, c] = ds.imageShape;
  if (h !== img.height || w !== img.width || c !== img.channels) {
    throw new UserError(`dataset '${name}' has ${h}×${w}×${c} images but the config wants ${img.height}×${img.width}×${img.channels} (image.*)`);
  }
  return ds;
}

/** Fixed seed of the real train/holdout split: the same images are held out in every run of a dataset. */
export const HOLDOUT_SEED = 20170721;

/** The real domain split into what training may use and the held-out part only evaluation sees. */
export async function loadRealSplit(config: SimGANConfig): Promise<{ train: ImageDataset; holdout: ImageDataset }> {
  const real = await loadDataset(config.data.real, { config });
  if (config.data.realHoldout === 0) return { train: real, holdout: new ArrayImageDataset(`${real.name}/holdout`, real.imageShape, new Float32Array(0)) };
  const { train, validation } = splitDataset(real, config.data.realHoldout, HOLDOUT_SEED);
  return { train, holdout: validation };
}

/** The two training domains: synthetic, and the real domain minus its held-out part. */
export async function loadDomains(config: SimGANConfig): Promise<DomainPair> {
  const real = (await loadRealSplit(config)).train;
  if (config.data.test) {
    // The test people must never reach SimGAN: checked on the images' own person labels.
    const test = await loadDataset(config.data.test, { config });
    assertDisjointPeople(peopleOf(real), peopleOf(test), [`real training domain '${config.data.real}'`, `test '${config.data.test}'`]);
  }
  return { synthetic: await loadDataset(config.data.synthetic, { config }), real };
}
