/**
 * `simgan kernel-install --user`: the kernelspec lands in the user's Jupyter data folder with absolute paths
 * to this project's tslab, and a Jupyter started without the project's JUPYTER_PATH lists it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { userJupyterDataDir } from '../src/notebooks/kernel';
import { projectRoot } from '../src/paths';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

test('userJupyterDataDir follows JUPYTER_DATA_DIR, XDG_DATA_HOME and each platform\'s default', () => {
  assert.equal(userJupyterDataDir({ JUPYTER_DATA_DIR: '/x/j' }, 'linux', '/home/u'), '/x/j');
  assert.equal(userJupyterDataDir({}, 'linux', '/home/u'), '/home/u/.local/share/jupyter');
  assert.equal(userJupyterDataDir({ XDG_DATA_HOME: '/d' }, 'linux', '/home/u'), '/d/jupyter');
  assert.equal(userJupyterDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Jupyter');
});

test('kernel-install --user writes an absolute kernelspec that a plain `jupyter kernelspec list` finds', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'simgan-jupyter-'));
  const { JUPYTER_PATH: _omit, ...base } = process.env;
  const env = { ...base, JUPYTER_DATA_DIR: dataDir };
  const r = spawnSync(process.execPath, [cli, 'kernel-install', '--user'], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(dataDir, 'kernels', 'tslab', 'kernel.json');
  const spec = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(spec.argv.slice(0, 2).every((p: string) => path.isAbsolute(p) && existsSync(p)), spec.argv.join(' '));
  assert.ok(spec.argv[1].startsWith(path.join(projectRoot, 'node_modules')), 'this project\'s tslab');
  // Jupyter as a user starts it, from elsewhere and without the project's JUPYTER_PATH.
  const list = spawnSync('/usr/bin/jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8', env, cwd: os.tmpdir() });
  assert.equal(list.status, 0, `Debian's Jupyter (scripts/setup.sh installs it): ${list.stderr}`);
  const specs = JSON.parse(list.stdout).kernelspecs;
  assert.equal(specs.tslab?.resource_dir, path.dirname(file));
});
