/** `simgan train` and `simgan describe` as a user runs them, including a SIGKILL mid-run and --resume. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';
import { readMetrics } from '../src/runs/run-dir';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-cli-'));
const simgan = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300000 });

test('simgan describe --preset paper-eyes --json: the paper stack and a local output map', () => {
  const r = simgan(['describe', '--preset', 'paper-eyes', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual(d.refiner.input, [35, 55, 1]);
  assert.deepEqual(d.refiner.output, [35, 55, 1]);
  const dl = d.discriminator.layers.map((l: { type: string; outputShape: number[] }) => [l.type, l.outputShape.join('x')]);
  assert.deepEqual(dl, [
    ['InputLayer', '35x55x1'],
    ['Conv2D', '18x28x96'],
    ['Conv2D', '9x14x64'],
    ['MaxPooling2D', '7x12x64'],
    ['Conv2D', '7x12x32'],
    ['Conv2D', '7x12x32'],
    ['Conv2D', '7x12x2'],
  ]);
  assert.equal(d.discriminator.head, 'local');
});

test('bad overrides exit non-zero naming the key', () => {
  for (const [o, re] of [['lambda=-1', /lambda/], ['adversarial=glboal', /adversarial/], ['no.such.key=1', /no\.such\.key/]] as const) {
    const r = simgan(['train', '--preset', 'toy', '--set', o, '--out', path.join(tmp, 'never')]);
    assert.notEqual(r.status, 0, o);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(path.join(tmp, 'never')), 'nothing written for a bad config');
  }
});

test('train --preset toy --steps 200: files; SIGKILL mid-run then --resume reaches the same end, no line lost or repeated', async () => {
  const full = path.join(tmp, 'full');
  const r = simgan(['train', '--preset', 'toy', '--steps', '200', '--out', full]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(path.join(full, 'config.json')));
  assert.ok(readMetrics(path.join(full, 'metrics.jsonl')).length >= 200);
  assert.ok(readdirSync(path.join(full, 'checkpoints')).some((f) => f.startsWith('step-')));
  assert.ok(readdirSync(path.join(full, 'samples')).filter((f) => f.endsWith('.png')).length >= 2);

  const killed = path.join(tmp, 'killed');
  const child = spawn(process.execPath, [cli, 'train', '--preset', 'toy', '--steps', '200', '--out', killed], { stdio: 'ignore' });
  // Kill once the run is past its first checkpoint (step 50) but not finished.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const n = readMetrics(path.join(killed, 'metrics.jsonl')).length;
      if (n >= 130) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run finished before it could be killed')); });
  });
  await new Promise((r2) => child.once('exit', r2));
  const before = readMetrics(path.join(killed, 'metrics.jsonl')).length;
  assert.ok(before < 230, `killed at ${before} lines`);
  const resumed = simgan(['train', '--out', killed, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout + resumed.stderr, /resuming from .*step-0000(100|050)/);
  const steps = readMetrics(path.join(killed, 'metrics.jsonl')).map((m) => m.step);
  assert.deepEqual(steps, Array.from({ length: 230 }, (_, i) => i + 1));
  for (const net of ['refiner', 'discriminator']) {
    const a = readFileSync(path.join(full, 'checkpoints', 'step-0000230', net, 'weights.bin'));
    const b = readFileSync(path.join(killed, 'checkpoints', 'step-0000230', net, 'weights.bin'));
    assert.ok(a.equals(b), `${net} weights differ after resume`);
  }
});
