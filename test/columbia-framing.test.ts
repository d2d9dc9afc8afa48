/**
 * The Columbia framing of the eye renderer, measured the way docs/DESIGN.md quotes it: the correlation of the
 * mean synthetic image with the mean image of the Columbia TRAIN people (never the test people). Rerun with
 * `node --test dist/test/columbia-framing.test.js`; the values are printed as diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMBIA_FRAMING, COLUMBIA_GAZE_RANGES, EyeFraming, renderEyes } from '../src/data/eyes-sim';
import type { ImageDataset } from '../src/data/dataset';
import { loadSource } from '../src/data/registry';

function meanImage(ds: ImageDataset): Float64Array {
  const m = new Float64Array(ds.imageShape[0] * ds.imageShape[1]);
  for (let i = 0; i < ds.size; i++) ds.image(i).forEach((v, k) => (m[k] += v / ds.size));
  return m;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let c = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) { c += (a[i] - ma) * (b[i] - mb); va += (a[i] - ma) ** 2; vb += (b[i] - mb) ** 2; }
  return c / Math.sqrt(va * vb);
}

test('the matched Columbia framing fits the train people\'s mean eye better than the first choice by eye', async (t) => {
  const real = meanImage(await loadSource('columbia-gaze', { size: { width: 55, height: 35 } }));
  const score = (framing: EyeFraming) => correlation(meanImage(renderEyes({ count: 1500, seed: 7, gaze: COLUMBIA_GAZE_RANGES, framing })), real);
  const matched = score(COLUMBIA_FRAMING);
  const byEye = score({ scale: 0.88, eyeY: 17, equalize: COLUMBIA_FRAMING.equalize });
  t.diagnostic(`mean-image correlation with the train people: matched ${matched.toFixed(3)}, first choice by eye ${byEye.toFixed(3)}`);
  assert.ok(matched > 0.87, `matched framing correlates ${matched.toFixed(3)}`);
  assert.ok(matched > byEye + 0.03, `matched ${matched.toFixed(3)} vs by eye ${byEye.toFixed(3)}`);
});
