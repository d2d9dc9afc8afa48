/**
 * The project-local tslab kernelspec: `.jupyter/kernels/tslab/kernel.json`, found by Jupyter through
 * `JUPYTER_PATH` (the project's scripts set it). Writing it directly needs no Python and leaves the
 * user's own Jupyter configuration untouched; `tslab install` would write to ~/.local or /usr/local.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
