/**
 * The datasets simgan-ts knows, and where it looks for each. `simgan doctor` reports this table; loaders
 * use `locateDataset` so that a dataset dropped into `data/` is found the same way everywhere.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { dataDir, sharedDataDir } from '../paths';

export interface DatasetStatus {
  name: string;
  /** What it is and what it is used for. */
  description: string;
  present: boolean;
  /** The first location where it was found. */
  path?: string;
  /** Every location that was searched, in order. */
  searched: string[];
  /** How to get it when it is absent. */
  howToGet: string;
}

interface DatasetSpec {
  name: string;
  description: string;
  howToGet: string;
  /** Candidate paths, relative to the data dir (`d`) or the shared data dir (`s`). */
  candidates: (d: string, s: string) => string[];
  /** Extra check on a candidate that exists (e.g. the folder is not empty). */
  accept?: (p: string) => boolean;
}

function hasFiles(dir: string, pattern: RegExp): boolean {
  try {
    return readdirSync(dir).some((f) => pattern.test(f));
  } catch {
    return false;
  }
}

const SPECS: DatasetSpec[] = [
  {
    name: 'mpiigaze-csv',
    description: 'real eyes, 60×36 gray JPEGs in a CSV (subject_id,image_base64), no labels',
    howToGet: 'put real_eyes_60x36.csv in data/mpiigaze/ (see data/README.md)',
    candidates: (d, s) => [path.join(d, 'mpiigaze', 'real_eyes_60x36.csv'), path.join(s, 'mpiigaze', 'real_eyes_60x36.csv')],
  },
  {
    name: 'mpiigaze-55x35-png',
    description: 'real eyes, a folder of 55×35 gray PNGs (small test fixture)',
    howToGet: 'any folder of eye PNGs; tests use ../shared/data/fixtures/mpiigaze-55x35',
    candidates: (d, s) => [path.join(d, 'mpiigaze-55x35'), path.join(s, 'fixtures', 'mpiigaze-55x35')],
    accept: (p) => hasFiles(p, /\.(png|jpe?g)$/i),
  },
  {
    name: 'mpiigaze-official',
    description: 'MPIIGaze normalized .mat files with gaze labels (Data/Normalized/pXX/dayYY.mat)',
    howToGet: 'download MPIIGaze from its authors and unpack it so that data/MPIIGaze/Data/Normalized exists',
    candidates: (d) => [path.join(d, 'MPIIGaze', 'Data', 'Normalized')],
  },
  {
    name: 'unityeyes',
    description: 'UnityEyes renders: N.jpg + N.json pairs',
    howToGet: 'render eyes with the UnityEyes generator into data/unityeyes/',
    candidates: (d) => [path.join(d, 'unityeyes')],
    accept: (p) => hasFiles(p, /\.json$/i),
  },
];

export function datasetCatalog(env: Record<string, string | undefined> = process.env): DatasetStatus[] {
  const d = dataDir(env), s = sharedDataDir(env);
  return SPECS.map((spec) => {
    const searched = spec.candidates(d, s);
    const found = searched.find((p) => existsSync(p) && (spec.accept ? spec.accept(p) : true));
    return { name: spec.name, description: spec.description, present: found !== undefined, path: found, searched, howToGet: spec.howToGet };
  });
}

/** The path of a dataset, or an error saying where it was looked for and how to get it. */
export function locateDataset(name: string, env: Record<string, string | undefined> = process.env): string {
  const status = datasetCatalog(env).find((x) => x.name === name);
  if (!status) throw new Error(`unknown dataset '${name}'; known: ${SPECS.map((x) => x.name).join(', ')}`);
  if (!status.present || !status.path) {
    throw new Error(`dataset '${name}' not found (looked in ${status.searched.join(', ')}); ${status.howToGet}`);
  }
  return status.path;
}
