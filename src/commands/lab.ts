/** `simgan lab` (`npm run lab`): Jupyter (JupyterLab if installed, else the classic Notebook) on 127.0.0.1 with the project's tslab kernel, in notebooks/. */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { projectRoot } from '../paths';
import { findJupyter, jupyterEnv } from './doctor';
import { installKernelSpec } from '../notebooks/kernel';

export async function labCommand(port?: number): Promise<number> {
  const jupyter = findJupyter();
  if (!jupyter) {
    console.error('simgan lab: Jupyter is not installed. On Debian: sudo apt-get install jupyter-notebook (or run scripts/setup.sh).');
    return 1;
  }
  installKernelSpec();
  // JupyterLab when it is installed (Debian does not package it); else the classic Notebook.
  const app = spawnSync(jupyter, ['lab', '--version'], { encoding: 'utf8', timeout: 30000 }).status === 0 ? 'lab' : 'notebook';
  const args = [app, '--no-browser', '--ip=127.0.0.1', `--notebook-dir=${path.join(projectRoot, 'notebooks')}`, ...(port ? [`--port=${port}`] : [])];
  if (process.getuid?.() === 0) args.push('--allow-root');
  console.log(`[lab] ${jupyter} ${args.join(' ')} — the URL with its token follows; executed notebooks are in executed/`);
  const child = spawn(jupyter, args, { stdio: 'inherit', env: jupyterEnv() });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
}
