/**
 * The project-local tslab kernelspec: `.jupyter/kernels/tslab/kernel.json`, found by Jupyter through
 * `JUPYTER_PATH` (the project's scripts set it). Writing it directly needs no Python and leaves the
 * user's own Jupyter configuration untouched; `tslab install` would write to ~/.local or /usr/local.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jupyterDir } from '../paths';

export const KERNEL_NAME = 'tslab';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
}

/** The spec: this Node binary running this project's tslab, so the kernel sees the same packages. */
export function tslabKernelSpec(): KernelSpec {
  const tslabBin = path.join(path.dirname(require.resolve('tslab/package.json')), 'bin', 'tslab');
  return {
    argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (simgan-ts)',
    language: 'typescript',
  };
}

/**
 * The user's Jupyter data folder, where a Jupyter, JupyterLab or VS Code started anywhere looks for kernels:
 * `JUPYTER_DATA_DIR` if set, else the platform's default (Linux: `$XDG_DATA_HOME/jupyter`, i.e.
 * `~/.local/share/jupyter`; macOS: `~/Library/Jupyter`; Windows: `%APPDATA%\jupyter`) — what
 * `jupyter --data-dir` prints.
 */
export function userJupyterDataDir(env: Record<string, string | undefined> = process.env, platform: string = process.platform, home: string = os.homedir()): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jupyter');
}

/** Write the kernelspec (atomically) and return its path. */
export function installKernelSpec(dir: string = jupyterDir): string {
  const kdir = path.join(dir, 'kernels', KERNEL_NAME);
  mkdirSync(kdir, { recursive: true });
  const file = path.join(kdir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(tslabKernelSpec(), null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}
