/** `simgan memory`: the warm-up point, flat tensors and RSS growth read from a run's metric lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMemoryReport, memoryReport, memoryRows } from '../src/bench/memory';

const row = (step: number, phase: string, numTensors: number, historyImages: number, rssMiB: number) => ({ step, phase, numTensors, historyImages, rssMiB, stepMs: 1 });

test('warm-up ends when the buffer is full in the adversarial phase; growth is measured from there', () => {
  const rows = memoryRows([
    row(1, 'pretrain-refiner', 70, 0, 900),
    row(2, 'pretrain-discriminator', 90, 4, 950),
    row(3, 'adversarial', 94, 8, 1000),
    row(4, 'adversarial', 94, 8, 1030),
    row(5, 'adversarial', 94, 8, 1010),
  ]);
  const r = memoryReport(rows, 8);
  assert.equal(r.warmupEndStep, 3);
  assert.deepEqual(r.tensorsAfterWarmup, { min: 94, max: 94 });
  assert.deepEqual(r.rssMiB, { atWarmup: 1000, end: 1010, max: 1030, growthPct: 3 });
  assert.match(formatMemoryReport(r), /flat at 94 after warm-up[\s\S]*growth 3%/);
});

test('a leak shows as NOT flat; a buffer that never fills ends no warm-up; old rows without memory fields are skipped', () => {
  const leak = memoryReport(memoryRows([row(1, 'adversarial', 10, 0, 100), row(2, 'adversarial', 12, 0, 100)]), 0);
  assert.deepEqual(leak.tensorsAfterWarmup, { min: 10, max: 12 });
  assert.match(formatMemoryReport(leak), /10 … 12 \(NOT flat\)/);
  const short = memoryReport(memoryRows([row(1, 'adversarial', 10, 4, 100)]), 8);
  assert.equal(short.warmupEndStep, undefined);
  assert.match(formatMemoryReport(short), /never filled/);
  assert.equal(memoryRows([{ step: 1, phase: 'adversarial', stepMs: 3 }]).length, 0);
});
