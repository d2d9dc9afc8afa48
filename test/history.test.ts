import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import { ImageHistoryBuffer } from '../src/history';
import { Rng } from '../src/util/random';

/** A batch of `n` 2×2×1 images whose pixels all equal their id (ids from `first`). */
function ids(first: number, n: number): tf.Tensor4D {
  return tf.tidy(() => tf.range(first, first + n).reshape([n, 1, 1, 1]).tile([1, 2, 2, 1]) as tf.Tensor4D);
}
const idsOf = (t: tf.Tensor4D) => {
  const v = t.dataSync();
  return Array.from({ length: t.shape[0] }, (_, i) => v[i * 4]);
};

test('fills to capacity, then stays there', async () => {
  await selectBackend('wasm', { log: false });
  const buf = new ImageHistoryBuffer(10, new Rng(1));
  for (let i = 0; i < 6; i++) {
    const b = ids(i * 8, 8);
    buf.push(b);
    b.dispose();
    assert.equal(buf.size, Math.min(10, (i + 1) * 4), 'b/2 images per push, bounded by capacity');
  }
  buf.dispose();
});

test('mix: b/2 fresh + b/2 from history once it holds b/2 images; fresh only before', () => {
  const buf = new ImageHistoryBuffer(100, new Rng(2));
  const fresh = ids(1000, 8);
  const m0 = buf.mix(fresh);
  assert.deepEqual(idsOf(m0), idsOf(fresh), 'empty buffer → all fresh');
  const old = ids(0, 8);
  buf.push(old); // 4 images: 0..3
  const m1 = buf.mix(fresh);
  const got = idsOf(m1);
  assert.deepEqual(got.slice(0, 4), [1000, 1001, 1002, 1003]);
  assert.deepEqual(got.slice(4).sort((a, b) => a - b), [0, 1, 2, 3]);
  tf.dispose([fresh, m0, old, m1]);
  buf.dispose();
});

test('sampling draws distinct images, spread over the whole buffer', () => {
  const buf = new ImageHistoryBuffer(40, new Rng(3));
  for (let i = 0; i < 5; i++) { const b = ids(i * 16, 16); buf.push(b); b.dispose(); } // ids 0..7, 16..23, … (40 images)
  const counts = new Map<number, number>();
  const fresh = ids(1000, 16);
  for (let r = 0; r < 200; r++) {
    const m = buf.mix(fresh);
    const drawn = idsOf(m).slice(8);
    assert.equal(new Set(drawn).size, 8, 'no image twice in one batch');
    drawn.forEach((id) => counts.set(id, (counts.get(id) ?? 0) + 1));
    m.dispose();
  }
  assert.equal(counts.size, 40, 'every buffered image is drawn sometimes');
  // 200·8/40 = 40 expected draws each; a uniform sampler stays well inside [15, 70].
  for (const [id, c] of counts) assert.ok(c > 15 && c < 70, `image ${id} drawn ${c} times`);
  fresh.dispose();
  buf.dispose();
});

test('replacement overwrites random slots, never grows past capacity, frees what it evicts', () => {
  const buf = new ImageHistoryBuffer(12, new Rng(4));
  const first = ids(0, 24);
  buf.push(first); // full: ids 0..11
  first.dispose();
  const before = tf.memory().numTensors;
  const survivors: number[] = [];
  for (let r = 0; r < 30; r++) {
    const b = ids(100 + r * 2, 4); // pushes 2 images per round
    buf.push(b);
    b.dispose();
    assert.equal(buf.size, 12);
    assert.equal(tf.memory().numTensors, before, 'evicted images are disposed');
    if (r === 2) {
      const c = buf.contents()!;
      survivors.push(...idsOf(c));
      c.dispose();
    }
  }
  // After 3 rounds (6 replacements into 12 slots) some originals remain and replaced ones are spread out.
  const originals = survivors.filter((id) => id < 12);
  assert.ok(originals.length >= 3 && originals.length <= 10, `originals left after 6 replacements: ${originals.length}`);
  const c = buf.contents()!;
  assert.ok(idsOf(c).every((id) => id >= 100 || id < 12));
  c.dispose();
  buf.dispose();
  assert.equal(tf.memory().numTensors, before - 12);
});

test('disabled buffer (capacity 0): mix returns the fresh batch, push keeps nothing', () => {
  const buf = new ImageHistoryBuffer(0, new Rng(5));
  const fresh = ids(7, 6);
  buf.push(fresh);
  assert.equal(buf.size, 0);
  const m = buf.mix(fresh);
  assert.deepEqual(idsOf(m), idsOf(fresh));
  tf.dispose([fresh, m]);
});

test('snapshot and restore reproduce contents and future draws', async () => {
  const a = new ImageHistoryBuffer(20, new Rng(6));
  const b0 = ids(0, 30);
  a.push(b0);
  b0.dispose();
  const snap = await a.snapshot();
  const b = new ImageHistoryBuffer(20, new Rng(999));
  b.restore(snap);
  const fresh = ids(500, 10);
  const ma = a.mix(fresh), mb = b.mix(fresh);
  assert.deepEqual(idsOf(ma), idsOf(mb));
  tf.dispose([fresh, ma, mb]);
  a.dispose();
  b.dispose();
});
