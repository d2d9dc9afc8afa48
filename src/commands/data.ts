/** `simgan data info | build | show`. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { datasetCatalog, DatasetStatus } from '../data/catalog';
import { ImageDataset } from '../data/dataset';
import { Size } from '../data/images';
import { knownDatasets, loadSource, sourceSize } from '../data/registry';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { imageGridPng } from '../viz/image-grid';

/** The natural size of each source (what `build` and `show` use unless --size says otherwise). */
export const defaultSize = sourceSize;

export function parseSize(s: string): Size {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 4 || Number(m[2]) < 4) throw new Error(`--size ${s}: give WIDTHxHEIGHT, e.g. 55x35`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function formatInfo(rows: DatasetStatus[]): string {
  return rows
    .map((r) => {
      const where = r.present ? `${r.count !== undefined ? `${r.count.toLocaleString('en-US')} ` : ''}${r.path === 'built-in' ? '(built in)' : r.path}` : `absent — ${r.howToGet}`;
      return `${r.name.padEnd(20)} ${r.kind.padEnd(9)} ${where}\n${''.padEnd(31)}${r.description}\n${''.padEnd(31)}licence: ${r.licence}`;
    })
    .join('\n');
}

export function dataInfo(json: boolean): string {
  const rows = datasetCatalog(process.env, true);
  return json ? JSON.stringify({ sources: rows }, null, 2) : formatInfo(rows);
}

export interface BuildResult {
  source: string;
  count: number;
  size: Size;
  seconds: number;
  imagesPerSecond: number;
  out: string;
}

/** Build (render or load) a source into DIR: the binary dataset, a preview grid and info.json. */
export async function dataBuild(source: string, o: { count?: number; size?: Size; seed?: number; out: string }): Promise<BuildResult> {
  const size = o.size ?? defaultSize(source);
  const created = !existsSync(o.out);
  mkdirSync(o.out, { recursive: true });
  const t0 = performance.now();
  // The cache folder is DIR itself: a fresh DIR always builds from the source, and the result is the file.
  let ds;
  try {
    ds = await loadSource(source, { size, count: o.count, seed: o.seed, cacheDir: o.out });
  } catch (e) {
    // A source that cannot be built (absent, wrong size) leaves no empty DIR behind.
    if (created) rmSync(o.out, { recursive: true, force: true });
    throw e;
  }
  const seconds = (performance.now() - t0) / 1000;
  const preview = await grid([ds], 32, [source]);
  writeFileAtomic(path.join(o.out, 'preview.png'), preview);
  const result = { source, count: ds.size, size, seconds: Math.round(seconds * 100) / 100, imagesPerSecond: Math.round(ds.size / seconds), out: path.resolve(o.out) };
  writeJsonAtomic(path.join(o.out, 'info.json'), { ...result, labelNames: ds.labelNames ?? null });
  return result;
}

async function grid(datasets: ImageDataset[], perSource: number, names: string[]): Promise<Buffer> {
  const cols = 8;
  const sources: { data: Float32Array; shape: number[] }[] = [];
  const captions: string[] = [];
  datasets.forEach((ds, k) => {
    const n = Math.min(perSource, ds.size);
    // Evenly spaced through the set, so the grid is not just its first (possibly sorted) images.
    for (let i = 0; i < n; i++) {
      sources.push({ data: ds.image(Math.floor((i * ds.size) / n)), shape: [ds.imageShape[0], ds.imageShape[1]] });
      captions.push(i === 0 ? names[k] : '');
    }
    while (sources.length % cols !== 0) { // pad rows so each source starts a row
      sources.push({ data: new Float32Array(ds.imageShape[0] * ds.imageShape[1]).fill(1), shape: [ds.imageShape[0], ds.imageShape[1]] });
      captions.push('');
    }
  });
  return imageGridPng(sources, { cols, range: [-1, 1], captions });
}

/** A PNG grid of `count` images of each source (comma-separated), one block of rows per source. */
export async function dataShow(sources: string[], o: { count?: number; size?: Size; out: string }): Promise<string> {
  const size = o.size ?? defaultSize(sources[0]);
  const datasets = [];
  for (const s of sources) datasets.push(await loadSource(s, { size }));
  const png = await grid(datasets, o.count ?? 16, sources);
  mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  writeFileSync(o.out, png);
  return path.resolve(o.out);
}

export { knownDatasets };
