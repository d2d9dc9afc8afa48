import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, angleDeg, gazeErrors } from '../src/eval/metrics';
import { formatSummary, intervalsSeparate, summarize, tCritical95 } from '../src/eval/stats';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

test('summarize: mean, sample std and the t-based 95% interval, by hand', () => {
  const s = summarize([1, 2, 3]);
  close(s.mean, 2);
  close(s.std, 1);
  // t(0.975, df 2) = 4.303; half-width 4.303 · 1 / √3 = 2.48434…
  close(s.high - s.mean, 4.303 / Math.sqrt(3));
  close(s.mean - s.low, 4.303 / Math.sqrt(3));
  const one = summarize([0.7]);
  assert.deepEqual([one.low, one.mean, one.high, one.std], [0.7, 0.7, 0.7, 0]);
  close(tCritical95(30), 2.042);
  close(tCritical95(100), 1.96);
  assert.ok(intervalsSeparate(summarize([0.70, 0.71, 0.72]), summarize([0.80, 0.81, 0.82])));
  assert.ok(!intervalsSeparate(summarize([0.70, 0.75, 0.80]), summarize([0.76, 0.81, 0.86])));
  assert.equal(formatSummary(s, 2), '2.00 [-0.48, 4.48] (n=3)');
  const clipped = summarize([0.9, 1], [0, 1]);
  assert.equal(clipped.high, 1, 'an accuracy interval stops at 1');
  close(clipped.low, 0.95 - 12.706 * Math.sqrt(0.005) / Math.sqrt(2));
  assert.throws(() => summarize([]), /no values/);
});

test('accuracy and angular errors: hand-computed', () => {
  close(accuracy([1, 2, 3, 4], [1, 0, 3, 0]), 0.5);
  assert.throws(() => accuracy([1], [1, 2]), /1 predictions for 2 labels/);
  close(angleDeg([1, 0, 0], [0, 1, 0]), 90);
  close(angleDeg([0, 0, -1], [0, 0, -2]), 0);
  close(angleDeg([1, 0, 0], [-1, 0, 0]), 180);
  close(angleDeg([1, 0, 0], [1, 1, 0]), 45, 1e-12);
  const e = gazeErrors([[0, 0, -1], [Math.sin(0.1), 0, -Math.cos(0.1)], [1, 0, 0]], [[0, 0, -1], [0, 0, -1], [0, 0, -1]]);
  close(e.meanDeg, (0 + (0.1 * 180) / Math.PI + 90) / 3, 1e-9);
  close(e.within, 2 / 3); // 0° and 5.73° are within 7°, 90° is not
});
