/**
 * Where things live. Everything is resolved from the package root, so the CLI, tests and notebooks (whose
 * kernel runs in `notebooks/`) agree whatever their working directory.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The project (package) root: `dist/src/paths.js` → two levels up. */
export const projectRoot: string = path.resolve(__dirname, '..', '..');

/** Where users put datasets and where generated caches go (`data/`, see its README). */
export function dataDir(env: Record<string, string | undefined> = process.env): string {
  return env.SIMGAN_DATA_DIR ? path.resolve(env.SIMGAN_DATA_DIR) : path.join(projectRoot, 'data');
}

/**
 * The read-only shared data folder used by tests and CI: `SIMGAN_SHARED_DATA`, else the git-ignored link
 * `data/shared` (scripts/setup.sh makes it), else `../shared/data` beside the project root.
 */
export function sharedDataDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SIMGAN_SHARED_DATA) return path.resolve(env.SIMGAN_SHARED_DATA);
  const linked = path.join(projectRoot, 'data', 'shared');
  return existsSync(linked) ? linked : path.resolve(projectRoot, '..', 'shared', 'data');
}

/** The project-local Jupyter data dir (holds `kernels/tslab/kernel.json`); put it on `JUPYTER_PATH`. */
export const jupyterDir: string = path.join(projectRoot, '.jupyter');
