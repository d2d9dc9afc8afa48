/**
 * Browser-test utilities: Debian's Chromium driven by playwright-core (never a downloaded browser), a
 * Jupyter server on a free loopback port, and where screenshots go.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { findJupyter, jupyterEnv } from '../src/commands/doctor';
import { installKernelSpec } from '../src/notebooks/kernel';
import { projectRoot } from '../src/paths';

export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots and other browser-test artifacts (git-ignored; CI keeps the folder). */
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

/** No network beyond loopback, no background services, nothing left from an earlier profile. */
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** A fresh Chromium profile; `close()` also deletes it. Fails, naming the fix, when Chromium is missing. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/setup.sh does)`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'simgan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface JupyterServer {
  /** e.g. http://127.0.0.1:8123 */
  base: string;
  token: string;
  /** Collected output, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** The classic Notebook server on 127.0.0.1 in notebooks/, with the project's tslab kernel and `env` added. */
export async function startJupyter(env: Record<string, string> = {}, timeoutMs = 60000): Promise<JupyterServer> {
  const jupyter = findJupyter();
  if (!jupyter) throw new Error('Jupyter is not installed: apt-get install jupyter-notebook (scripts/setup.sh does)');
  installKernelSpec();
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const args = [
    'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`,
    `--notebook-dir=${path.join(projectRoot, 'notebooks')}`, ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ];
  const child: ChildProcess = spawn(jupyter, args, { env: { ...jupyterEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const closed = new Promise((r) => child.once('close', r));
    try {
      process.kill(-child.pid!, 'SIGTERM'); // the group: the server and its kernels
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10000);
    await closed;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${base}/api/status?token=${token}`);
      if (r.ok) return { base, token, log: () => out, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`jupyter did not answer on ${base} within ${timeoutMs / 1000} s:\n${out}`);
}
