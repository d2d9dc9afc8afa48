/** The procedural eye renderer: label geometry in the image, label conventions, determinism, speed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GAZE_RANGES, EYE_LABEL_NAMES, EyeParams, gazeAngles, gazeVector, renderEye, renderEyes, sampleEyeParams,
} from '../src/data/eyes-sim';
import { Rng } from '../src/util/random';

const DEG = Math.PI / 180;
const close = (a: number, b: number, tol = 1e-5, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} ≉ ${b}`);

/**
 * Parameters of eye `seed` with everything that is not geometry switched off (no noise, texture, glint,
 * brow, roll or contrast normalisation) and a dark iris against light lashes, so the darkest pixels are
 * the iris and pupil.
 */
function plainEye(seed: number, yaw: number, pitch: number, overrides: Partial<EyeParams> = {}): EyeParams {
  return {
    ...sampleEyeParams(new Rng(seed)),
    yaw, pitch, roll: 0,
    noise: 0, glint: 0, skinBlotches: 0, skinPores: 0, irisTexture: 0, brow: 0, stretch: 0, equalize: 0,
    exposure: 1, gamma: 1, skin: 0.7, sclera: 0.8, iris: 0.08, pupil: 0.03, lashDarkness: 0.3, creaseDepth: 0.1,
    socketShadow: 0.1, underFoldDepth: 0, lidShadow: 0.2,
    ...overrides,
  };
}

/**
 * Darkness-weighted centroid (x, y), in pixels, of the darkest pixels of an H×W image: those in the bottom
 * quarter of its value range (the iris and pupil when the lashes are light), weighted by how far below.
 */
function darkCentroid(img: Float32Array, width: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of img) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const thr = lo + 0.25 * (hi - lo);
  let sw = 0, sx = 0, sy = 0;
  img.forEach((v, i) => {
    if (v >= thr) return;
    sw += thr - v; sx += (thr - v) * (i % width); sy += (thr - v) * Math.floor(i / width);
  });
  return [sx / sw, sy / sw];
}

const centroidOf = (p: EyeParams, w = 55, h = 35) => darkCentroid(renderEye(p, w, h, new Rng(0)), w);

test('gazeVector: unit length, MPIIGaze signs, inverse of gazeAngles', () => {
  assert.deepEqual(gazeVector(0, 0).map((v) => v + 0), [0, 0, -1], 'straight into the camera');
  const [x1] = gazeVector(0.3, 0), [, y1] = gazeVector(0, 0.3);
  assert.ok(x1 < 0, 'positive yaw → x < 0');
  assert.ok(y1 < 0, 'positive pitch → y < 0 (up)');
  for (let yaw = -60; yaw <= 60; yaw += 15) {
    for (let pitch = -40; pitch <= 40; pitch += 10) {
      const g = gazeVector(yaw * DEG, pitch * DEG);
      close(Math.hypot(...g), 1, 1e-12, 'norm');
      const [y, p] = gazeAngles(g);
      close(y, yaw * DEG, 1e-12, 'yaw');
      close(p, pitch * DEG, 1e-12, 'pitch');
      close(p, Math.asin(-g[1]), 1e-12, 'pitch = asin(−y)');
      close(y, Math.atan2(-g[0], -g[2]), 1e-12, 'yaw = atan2(−x, −z)');
    }
  }
});

test('positive yaw moves the iris left, positive pitch moves it up (several eyes, both sizes)', () => {
  for (const [w, h] of [[55, 35], [60, 36]]) {
    for (let seed = 1; seed <= 6; seed++) {
      const [xl] = centroidOf(plainEye(seed, 25 * DEG, 0), w, h);
      const [xr] = centroidOf(plainEye(seed, -25 * DEG, 0), w, h);
      assert.ok(xr - xl > 4, `seed ${seed} ${w}×${h}: yaw +25° centroid x ${xl.toFixed(2)} should be well left of yaw −25° ${xr.toFixed(2)}`);
      const [, yu] = centroidOf(plainEye(seed, 0, 15 * DEG), w, h);
      const [, yd] = centroidOf(plainEye(seed, 0, -15 * DEG), w, h);
      assert.ok(yd - yu > 1.5, `seed ${seed} ${w}×${h}: pitch +15° centroid y ${yu.toFixed(2)} should be above pitch −15° ${yd.toFixed(2)}`);
    }
  }
});

test('the iris centroid moves monotonically with yaw, and head roll does not move it', () => {
  const xs = [-30, -15, 0, 15, 30].map((deg) => centroidOf(plainEye(11, deg * DEG, 0))[0]);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] < xs[i - 1], `centroid x by yaw −30…30°: ${xs.map((x) => x.toFixed(2)).join(', ')}`);
  // The eyeball lives in camera coordinates: rolling the head about the eyeball's centre leaves the iris.
  const base = plainEye(12, 10 * DEG, 5 * DEG, { ballDx: 0, ballDy: 0 });
  const [x0, y0] = centroidOf(base);
  const [x1, y1] = centroidOf({ ...base, roll: 6 * DEG });
  assert.ok(Math.hypot(x1 - x0, y1 - y0) < 0.6, `roll moved the iris from (${x0}, ${y0}) to (${x1}, ${y1})`);
});

test('the iris foreshortens with the angle: its width along its row shrinks like cos(yaw)', () => {
  // Lids wide open, flat light and a uniform iris, so only the sphere decides the outline: sclera 0.8 → 0.6,
  // iris 0.08 → −0.84 in output units; a pixel's darkness fraction is its iris coverage.
  const open: Partial<EyeParams> = {
    upperLid: 30, lowerLid: 30, halfWidth: 40, blur: 0, lidShadow: 0, ambient: 1, limbalRing: 0,
    irisRadius: 8, ballRadius: 16, ballDx: 0, ballDy: 0, pupil: 0.08, sclera: 0.8, iris: 0.08,
  };
  const irisWidth = (yaw: number) => {
    const img = renderEye(plainEye(5, yaw, 0, open), 55, 35, new Rng(0));
    const row = Math.round(darkCentroid(img, 55)[1]);
    let covered = 0;
    for (let x = 0; x < 55; x++) covered += Math.max(0, Math.min(1, (0.6 - img[row * 55 + x]) / (0.6 + 0.84)));
    return covered;
  };
  const w0 = irisWidth(0), w40 = irisWidth(40 * DEG);
  close(w0, 16, 0.5, 'frontal iris width (2 × iris radius)');
  close(w40 / w0, Math.cos(40 * DEG), 0.03, 'width ratio at 40° yaw');
});

test('renderEyes: labels are unit gaze vectors consistent with yaw/pitch and inside the ranges', () => {
  const ds = renderEyes({ count: 200, seed: 3 });
  assert.equal(ds.name, 'eyes-sim');
  assert.deepEqual(ds.labelNames, EYE_LABEL_NAMES);
  assert.deepEqual(EYE_LABEL_NAMES, ['x', 'y', 'z', 'yaw', 'pitch']);
  const labels = ds.labels ?? assert.fail('no labels');
  assert.equal(labels.length, 200);
  let maxYaw = 0, maxPitch = 0;
  for (const l of labels) {
    const [x, y, z, yaw, pitch] = l;
    close(Math.hypot(x, y, z), 1, 1e-6, 'norm');
    const g = gazeVector(yaw, pitch);
    [x, y, z].forEach((v, i) => close(v, g[i], 1e-6, 'component'));
    assert.ok(z < 0, 'eyes look towards the camera');
    assert.ok(Math.abs(yaw) <= DEFAULT_GAZE_RANGES.yaw + 1e-6 && Math.abs(pitch) <= DEFAULT_GAZE_RANGES.pitch + 1e-6);
    maxYaw = Math.max(maxYaw, Math.abs(yaw));
    maxPitch = Math.max(maxPitch, Math.abs(pitch));
  }
  assert.ok(maxYaw > 25 * DEG && maxPitch > 15 * DEG, 'the ranges are actually covered');
  const narrow = renderEyes({ count: 50, seed: 3, gaze: { yaw: 5 * DEG, pitch: 5 * DEG, pitchCentre: -10 * DEG } });
  for (const l of narrow.labels ?? []) assert.ok(Math.abs(l[3]) <= 5 * DEG + 1e-6 && Math.abs(l[4] + 10 * DEG) <= 5 * DEG + 1e-6);
});

test('renderEyes: same seed → identical pixels, different seeds differ; 8-bit levels in [−1, 1]; sizes', () => {
  const a = renderEyes({ count: 20, seed: 42 }), b = renderEyes({ count: 20, seed: 42 }), c = renderEyes({ count: 20, seed: 43 });
  assert.deepEqual(a.imageShape, [35, 55, 1]);
  assert.equal(a.pixels.length, 20 * 35 * 55);
  assert.deepEqual(a.pixels, b.pixels);
  assert.deepEqual(a.labels, b.labels);
  let diff = 0;
  for (let i = 0; i < a.pixels.length; i++) diff += Math.abs(a.pixels[i] - c.pixels[i]);
  assert.ok(diff / a.pixels.length > 0.1, `seeds 42 and 43 give nearly the same images (mean |Δ| ${diff / a.pixels.length})`);
  // Images within one set differ from each other too.
  let within = 0;
  for (let i = 0; i < 35 * 55; i++) within += Math.abs(a.image(0)[i] - a.image(1)[i]);
  assert.ok(within / (35 * 55) > 0.1);
  let lo = Infinity, hi = -Infinity;
  for (const v of a.pixels) {
    lo = Math.min(lo, v); hi = Math.max(hi, v);
    const level = (v + 1) * 127.5;
    assert.ok(Math.abs(level - Math.round(level)) < 1e-3, `${v} is not an 8-bit level`);
  }
  assert.ok(lo >= -1 && hi <= 1 && hi - lo > 1, `range ${lo}…${hi}`);

  const m = renderEyes({ count: 3, seed: 42, width: 60, height: 36 });
  assert.deepEqual(m.imageShape, [36, 60, 1]);
  assert.equal(m.image(2).length, 36 * 60);
  const odd = renderEye(sampleEyeParams(new Rng(1)), 17, 9, new Rng(1));
  assert.equal(odd.length, 17 * 9);
  assert.ok(odd.every((v) => v >= -1 && v <= 1 && Number.isFinite(v)));
  assert.throws(() => renderEye(sampleEyeParams(new Rng(1)), 0, 9, new Rng(1)), /positive integers/);
});

test('speed: 1,000 images at 55×35 well within 20 s', () => {
  const t0 = performance.now();
  renderEyes({ count: 1000, seed: 9 });
  const s = (performance.now() - t0) / 1000;
  assert.ok(s < 20, `${s.toFixed(1)} s for 1,000 images`);
});

test('framing scales every length of the eye and moves its corner line; Columbia framing keeps the gaze in range', async () => {
  const { COLUMBIA_FRAMING, COLUMBIA_GAZE_RANGES, MPIIGAZE_FRAMING } = await import('../src/data/eyes-sim');
  const a = sampleEyeParams(new Rng(5), DEFAULT_GAZE_RANGES, MPIIGAZE_FRAMING);
  const b = sampleEyeParams(new Rng(5), DEFAULT_GAZE_RANGES, { ...MPIIGAZE_FRAMING, scale: 0.8, eyeY: 20 });
  for (const k of ['halfWidth', 'irisRadius', 'creaseHeight', 'lashWidth', 'browHeight'] as const) close(b[k], a[k] * 0.8, 1e-9, k);
  close(b.eyeY - a.eyeY, 20 - MPIIGAZE_FRAMING.eyeY, 1e-9, 'corner line');
  close(b.ballRadius / b.irisRadius, a.ballRadius / a.irisRadius, 1e-9, 'same eyeball proportions');
  const ds = renderEyes({ count: 200, seed: 3, gaze: COLUMBIA_GAZE_RANGES, framing: COLUMBIA_FRAMING });
  for (const l of ds.labels!) {
    assert.ok(Math.abs(l[3]) <= 20 * DEG + 1e-6 && Math.abs(l[4]) <= 15 * DEG + 1e-6, `yaw ${l[3] / DEG}°, pitch ${l[4] / DEG}°`);
  }
});
