/**
 * Dataset names a config may use (`data.synthetic`, `data.real`) and how each is loaded.
 */
import type { SimGANConfig } from '../config';
import type { DomainPair, ImageDataset } from './dataset';
import { renderToy } from './toy';

export interface LoadContext {
  config: SimGANConfig;
}

type Loader = (ctx: LoadContext) => Promise<ImageDataset>;

const TOY_COUNT = 2048;

const LOADERS: Record<string, Loader> = {
  // Seeds fixed per domain (not the run's seed): runs with different seeds share the same data.
  'toy-synthetic': async ({ config }) => renderToy('synthetic', { height: config.image.height, width: config.image.width, count: TOY_COUNT, seed: 11 }),
  'toy-real': async ({ config }) => renderToy('real', { height: config.image.height, width: config.image.width, count: TOY_COUNT, seed: 22 }),
};

/** Names that presets refer to but that have no loader yet, with what is missing. */
const PLANNED: Record<string, string> = {
  'eyes-sim': 'the synthetic eye renderer is not implemented yet',
  'mpiigaze-csv': 'the MPIIGaze CSV loader is not implemented yet',
  'digits-sim': 'the synthetic digit renderer is not implemented yet',
  mnist: 'the MNIST loader is not implemented yet',
  'nyu-hands-synthetic': 'hand data is not available (no loader, no data)',
  'nyu-hands-real': 'hand data is not available (no loader, no data)',
};

export function knownDatasets(): string[] {
  return Object.keys(LOADERS);
}

export async function loadDataset(name: string, ctx: LoadContext): Promise<ImageDataset> {
  const loader = LOADERS[name];
  if (!loader) {
    const why = PLANNED[name] ?? 'no such dataset';
    throw new Error(`dataset '${name}' cannot be loaded: ${why}. Available: ${knownDatasets().join(', ')}`);
  }
  const ds = await loader(ctx);
  const [h, w, c] = ds.imageShape;
  const img = ctx.config.image;
  if (h !== img.height || w !== img.width || c !== img.channels) {
    throw new Error(`dataset '${name}' has ${h}×${w}×${c} images but the config wants ${img.height}×${img.width}×${img.channels} (image.*)`);
  }
  return ds;
}

export async function loadDomains(config: SimGANConfig): Promise<DomainPair> {
  return { synthetic: await loadDataset(config.data.synthetic, { config }), real: await loadDataset(config.data.real, { config }) };
}
