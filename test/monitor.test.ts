/**
 * The failure watch, judged against the real domain: the refiner doing nothing, wiping out its input, D
 * winning — as pure rules on hand-made numbers, on the reference statistics of real data, and in training:
 * a refiner held to its input (λ = 1000) is flagged, an ordinary short run is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../src/backend';
import { resolveConfig } from '../src/config';
import { ArrayImageDataset } from '../src/data/dataset';
import { CollapseMonitor, domainReference, DomainReference } from '../src/train/monitor';
import { train } from '../src/train/train';

const EYES: DomainReference = { realStd: 0.35, realSaturated: 0, gap: 0.3 };
const DIGITS: DomainReference = { realStd: 0.6, realSaturated: 0.87, gap: 0.08 };

test('domainReference: std, saturated share and mean-image gap, hand-computed on two-image sets', () => {
  // Real: pixels [−1, 0.5] and [1, 0.5]; synthetic: [0, 0] twice. Mean images: real [0, 0.5], synthetic [0, 0].
  const real = new ArrayImageDataset('r', [1, 2, 1], Float32Array.of(-1, 0.5, 1, 0.5));
  const syn = new ArrayImageDataset('s', [1, 2, 1], Float32Array.of(0, 0, 0, 0));
  const r = domainReference(syn, real);
  assert.equal(r.realSaturated, 0.5);
  assert.ok(Math.abs(r.gap - 0.25) < 1e-12, `gap ${r.gap}`); // (|0 − 0| + |0.5 − 0|) / 2
  const mean = 0.25, sq = (1 + 0.25 + 1 + 0.25) / 4;
  assert.ok(Math.abs(r.realStd - Math.sqrt(sq - mean * mean)) < 1e-7);
});

test('saturation is judged against the real domain: 90% saturated is normal for digits and a collapse for eyes', () => {
  const digits = new CollapseMonitor(3, DIGITS);
  assert.deepEqual(digits.update({ std: 0.6, saturated: 0.9 }, 0.5, 0.5).active, []);
  assert.match(digits.update({ std: 0.6, saturated: 0.98 }, 0.5, 0.5).active[0], /saturated at ±1 \(98% of pixels; real images 87%\): it wipes out its input — usually fixed by a larger λ/);
  const eyes = new CollapseMonitor(3, EYES);
  assert.match(eyes.update({ std: 0.3, saturated: 0.9 }, 0.5, 0.5).active[0], /saturated at ±1 \(90% of pixels; real images 0%\)/);
  assert.match(new CollapseMonitor(3, EYES).update({ std: 0.01, saturated: 0 }, 0.5, 0.5).active[0], /nearly constant \(std 0\.0100; real images 0\.350\)/);
  assert.deepEqual(new CollapseMonitor(3, EYES).update({ std: 0.05, saturated: 0 }, 0.5, 0.5).active, [], 'std 0.05 is above a tenth of 0.35');
});

test('"does nothing": a tiny change while D tells refined from real, for `patience` iterations; reported once; resets', () => {
  const m = new CollapseMonitor(3, EYES, 0.5);
  const idle = { std: 0.3, saturated: 0, change: 0.01 };
  assert.deepEqual(m.update(idle, 0.95, 0.6).active, []);
  assert.deepEqual(m.update(idle, 0.95, 0.6).active, []);
  const third = m.update(idle, 0.95, 0.6);
  assert.equal(third.started.length, 1);
  assert.match(third.started[0], /the refiner does nothing \(changes its input by 0\.0100 per pixel, under 10% of the 0\.300 .*\) while D tells 95% of refined images from real, for 3 iterations — usually fixed by a smaller λ \(now 0\.5\)/);
  assert.deepEqual(m.update(idle, 0.95, 0.6).started, [], 'reported once');
  assert.deepEqual(m.update(idle, 0.6, 0.6).active, [], 'D fooled: not idle');
  // A change of a third of the gap is work being done, whatever D says.
  const busy = new CollapseMonitor(1, EYES);
  assert.deepEqual(busy.update({ std: 0.3, saturated: 0, change: 0.1 }, 1, 0.6).active, []);
  // Domains that already agree in their mean image give no "does nothing" verdict.
  assert.deepEqual(new CollapseMonitor(1, { ...EYES, gap: 0 }).update(idle, 1, 0.6).active, []);
});

test('D winning for `patience` iterations, and the state survives a checkpoint round trip', () => {
  const m = new CollapseMonitor(3, EYES);
  for (let i = 0; i < 2; i++) assert.deepEqual(m.update({ std: 0.3, saturated: 0 }, 1, 1).active, []);
  const restored = new CollapseMonitor(3, EYES);
  restored.setState(JSON.parse(JSON.stringify(m.getState())));
  assert.match(restored.update({ std: 0.3, saturated: 0 }, 1, 0.995).active[0], /discriminator accuracy ≥ 99%.*3 iterations/);
  assert.deepEqual(restored.update({ std: 0.3, saturated: 0 }, 0.9, 1).active, [], 'streak resets');
  restored.setState({ dWinsStreak: 0, active: [] }); // a checkpoint written before idleStreak existed
  assert.equal(restored.getState().idleStreak, 0);
});

test('training: a refiner held to its input (λ = 1000) is told it does nothing; an ordinary toy run gets no warning', async () => {
  await selectBackend('wasm', { log: false });
  const run = async (sets: string[]) => {
    const lines: string[] = [];
    const warned: string[] = [];
    const r = await train({ config: resolveConfig('toy', ['logging.collapsePatience=20', ...sets]), log: (l) => lines.push(l), onStep: (m) => warned.push(...(m.warnings ?? [])) });
    r.trainer.dispose();
    return { lines: lines.filter((l) => /warning/.test(l)), warned };
  };
  const held = await run(['lambda=1000']);
  assert.ok(held.lines.some((l) => /^\[simgan\] warning at step \d+: the refiner does nothing .* smaller λ \(now 1000\)/.test(l)), held.lines.join('\n'));
  assert.ok(held.warned.some((w) => /does nothing/.test(w)), 'and in the step metrics (metrics.jsonl warnings)');
  const normal = await run([]);
  assert.deepEqual(normal.lines, []);
  assert.deepEqual(normal.warned, []);
});
