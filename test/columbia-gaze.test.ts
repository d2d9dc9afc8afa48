/** The Columbia Gaze loader: names, labels, the label SIGNS measured on the real crops, the person split. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  assertDisjointPeople,
  COLUMBIA_PEOPLE,
  COLUMBIA_SOURCES,
  columbiaLabel,
  columbiaSplit,
  loadColumbiaGaze,
  parseColumbiaName,
  type ColumbiaResult,
  peopleOf,
} from '../src/data/columbia-gaze';
import { DataError } from '../src/data/errors';
import { unitToU8 } from '../src/data/images';
import { loadSource } from '../src/data/registry';
import { sharedDataDir } from '../src/paths';

const CROPS = path.join(sharedDataDir(), 'columbia-gaze', 'crops');
const SIZE = { width: 55, height: 35 };
const DEG = Math.PI / 180;
const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `simgan-columbia-${tag}-`));
const close = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) < eps;

/** The training people at P = 0, loaded once (≈ 1,200 crops, a second or two). */
let trainLoad: Promise<ColumbiaResult> | undefined;
const train = () => (trainLoad ??= loadColumbiaGaze(CROPS, SIZE, { people: columbiaSplit().train }));

test('parseColumbiaName reads good names and rejects bad ones naming the file and the pattern', () => {
  assert.deepEqual(parseColumbiaName('0001_2m_-15P_-10V_-10H_L.jpg'), { person: 1, pose: -15, vertical: -10, horizontal: -10, eye: 'L' });
  assert.deepEqual(parseColumbiaName('/x/y/0040_2m_30P_10V_15H_R.jpg'), { person: 40, pose: 30, vertical: 10, horizontal: 15, eye: 'R' });
  assert.deepEqual(parseColumbiaName('0029_2m_0P_0V_0H_L.jpg'), { person: 29, pose: 0, vertical: 0, horizontal: 0, eye: 'L' });
  for (const bad of ['0001_2m_0P_0V_0H.jpg', '0001_2m_0P_0V_0H_X.jpg', '1_2m_0P_0V_0H_L.jpg', '0001_2m_0P_0V_0H_L.png', 'eye.jpg', '0001_2m_0P_0V_0H_L.jpg.bak']) {
    assert.throws(() => parseColumbiaName(bad), (e: unknown) => e instanceof DataError && e.where === bad && /SSSS_2m_<P>P_<V>V_<H>H_<E>\.jpg/.test(e.what), bad);
  }
  // The pattern matches but a value is off the dataset's grid.
  for (const [bad, what] of [['0001_2m_0P_0V_20H_L.jpg', /horizontal gaze H 20/], ['0001_2m_0P_5V_0H_L.jpg', /vertical gaze V 5/], ['0001_2m_45P_0V_0H_L.jpg', /head pose P 45/], ['0000_2m_0P_0V_0H_L.jpg', /person 0000/]] as const) {
    assert.throws(() => parseColumbiaName(bad), (e: unknown) => e instanceof DataError && e.where === bad && what.test(e.what), bad);
  }
});

test('labels by hand: yaw = −H, pitch = +V (radians), g = (−cos p·sin y, −sin p, −cos p·cos y)', () => {
  const check = (h: number, v: number, expected: number[]) => {
    const l = columbiaLabel(h, v);
    expected.forEach((e, k) => assert.ok(close(l[k], e), `H=${h} V=${v}: [${Array.from(l)}] vs [${expected}]`));
  };
  check(0, 0, [0, 0, -1, 0, 0]);
  // H = +15 (iris to the image's right): yaw −15°, so x = −sin(−15°) > 0.
  check(15, 0, [Math.sin(15 * DEG), 0, -Math.cos(15 * DEG), -15 * DEG, 0]);
  check(-10, 0, [-Math.sin(10 * DEG), 0, -Math.cos(10 * DEG), 10 * DEG, 0]);
  // V = +10 (iris up): pitch +10°, y = −sin(10°) < 0 (y points down in the image).
  check(0, 10, [0, -Math.sin(10 * DEG), -Math.cos(10 * DEG), 0, 10 * DEG]);
  const [c, s] = [Math.cos(-10 * DEG), Math.sin(-10 * DEG)];
  check(5, -10, [-c * Math.sin(-5 * DEG), -s, -c * Math.cos(-5 * DEG), -5 * DEG, -10 * DEG]);
  assert.ok(columbiaLabel(15, 0)[0] > 0 && columbiaLabel(0, 10)[1] < 0);
});

/** Per-pixel mean of the images whose name satisfies `pick`. */
function meanImage(r: ColumbiaResult, pick: (n: ReturnType<typeof parseColumbiaName>) => boolean, min = 100): Float32Array {
  const out = new Float32Array(SIZE.width * SIZE.height);
  let n = 0;
  r.files.forEach((f, i) => {
    if (!pick(parseColumbiaName(f))) return;
    const img = r.dataset.image(i);
    for (let k = 0; k < out.length; k++) out[k] += img[k];
    n++;
  });
  assert.ok(n >= min, `only ${n} images`);
  return out.map((v) => v / n);
}

/** Weighted centroid (column, row) of w(pixel value) over an image. */
function centroid(img: Float32Array, w: (v: number) => number): { col: number; row: number } {
  let s = 0, sc = 0, sr = 0;
  img.forEach((v, k) => {
    const wk = w(v);
    s += wk;
    sc += wk * (k % SIZE.width);
    sr += wk * Math.floor(k / SIZE.width);
  });
  return { col: sc / s, row: sr / s };
}

/** Centroid of the darkest `fraction` of an image's pixels (in a mean eye: the iris). */
function darkCentroid(img: Float32Array, fraction = 0.05): { col: number; row: number } {
  const cut = [...img].sort((a, b) => a - b)[Math.floor(img.length * fraction)];
  return centroid(img, (v) => (v <= cut ? 1 : 0));
}

test('the signs, measured on the real training crops: +H moves the dark iris RIGHT, +V moves it UP', async () => {
  const r = await train();
  const f1 = (v: number) => v.toFixed(1);
  // Horizontal, all training people pooled: H = +15 against H = −15. Where the iris arrives the mean
  // darkens, where it left it brightens (measured: darkened column ≈ 34, brightened ≈ 22 of 55).
  const [right, left] = [meanImage(r, (n) => n.horizontal === 15), meanImage(r, (n) => n.horizontal === -15)];
  const dh = right.map((v, k) => v - left[k]);
  const darkened = centroid(dh, (d) => Math.max(0, -d)), brightened = centroid(dh, (d) => Math.max(0, d));
  assert.ok(darkened.col > brightened.col + 5, `H: darkened at column ${f1(darkened.col)}, brightened at ${f1(brightened.col)}`);
  const [dR, dL] = [darkCentroid(right), darkCentroid(left)];
  assert.ok(dR.col > dL.col + 3, `H: darkest pixels at column ${f1(dR.col)} (+15) vs ${f1(dL.col)} (−15)`);
  // Vertical: V = +10 against V = −10 (rows grow downwards: up is a smaller row). The lids move with the
  // gaze, which muddles the difference image, so the iris is found as the darkest pixels of each mean
  // (measured: row ≈ 13.4 against 15.1 of 35), pooled and per person.
  const [up, down] = [meanImage(r, (n) => n.vertical === 10), meanImage(r, (n) => n.vertical === -10)];
  const [dU, dD] = [darkCentroid(up), darkCentroid(down)];
  assert.ok(dU.row < dD.row - 1, `V: darkest pixels at row ${f1(dU.row)} (+10) vs ${f1(dD.row)} (−10)`);
  const dv = up.map((v, k) => v - down[k]);
  const darkenedV = centroid(dv, (d) => Math.max(0, -d)), brightenedV = centroid(dv, (d) => Math.max(0, d));
  assert.ok(darkenedV.row < brightenedV.row, `V: darkened at row ${f1(darkenedV.row)}, brightened at ${f1(brightenedV.row)}`);
  // Per training person (6 images per H mean, 14 per V mean): every one of the 28 agrees on H, all but at most 3 on V.
  let agreeH = 0, agreeV = 0;
  const people = columbiaSplit().train;
  for (const p of people) {
    const mine = (pick: (n: ReturnType<typeof parseColumbiaName>) => boolean) => meanImage(r, (n) => n.person === p && pick(n), 6);
    if (darkCentroid(mine((n) => n.horizontal === 15)).col > darkCentroid(mine((n) => n.horizontal === -15)).col) agreeH++;
    if (darkCentroid(mine((n) => n.vertical === 10)).row < darkCentroid(mine((n) => n.vertical === -10)).row) agreeV++;
  }
  assert.equal(agreeH, people.length, `iris right for H = +15 in ${agreeH} of ${people.length} people`);
  assert.ok(agreeV >= people.length - 3, `iris up for V = +10 in ${agreeV} of ${people.length} people`);
  // …and the loader's labels say the same in the project's convention (iris right ⇔ x > 0 ⇔ yaw < 0; up ⇔ pitch > 0).
  r.files.forEach((f, i) => {
    const { horizontal, vertical } = parseColumbiaName(f);
    const [x, y, , yaw, pitch] = r.dataset.labels![i];
    if (horizontal === 15) assert.ok(x > 0 && yaw < 0, f);
    if (horizontal === -15) assert.ok(x < 0 && yaw > 0, f);
    if (vertical === 10) assert.ok(y < 0 && pitch > 0, f);
    if (vertical === -10) assert.ok(y > 0 && pitch < 0, f);
  });
  console.log(
    `H=+15 vs −15: difference darkened at column ${f1(darkened.col)}, brightened ${f1(brightened.col)}; darkest pixels column ${f1(dR.col)} vs ${f1(dL.col)}; ${agreeH}/${people.length} people.`,
    `V=+10 vs −10: darkest pixels row ${f1(dU.row)} vs ${f1(dD.row)}; difference darkened row ${f1(darkenedV.row)}, brightened ${f1(brightenedV.row)}; ${agreeV}/${people.length} people (55×35).`,
  );
});

test('the person split: fixed, disjoint, covering 1–40; overlaps are refused naming the people', () => {
  const { train: tr, test: te } = columbiaSplit();
  assert.deepEqual(tr, Array.from({ length: 28 }, (_, i) => i + 1));
  assert.deepEqual(te, Array.from({ length: 12 }, (_, i) => i + 29));
  assert.deepEqual([...tr, ...te].sort((a, b) => a - b), [...COLUMBIA_PEOPLE]);
  assert.doesNotThrow(() => assertDisjointPeople(tr, te));
  assert.throws(() => assertDisjointPeople([1, 2, 30, 31], te, ['training', 'test']), /training and test sets share people 30, 31/);
  assert.throws(() => assertDisjointPeople([29], [29, 40]), /share person 29\b/);
  assert.deepEqual(COLUMBIA_SOURCES['columbia-gaze'], { people: tr, poses: [0] });
  assert.deepEqual(COLUMBIA_SOURCES['columbia-gaze-test'], { people: te, poses: [0] });
});

test('loading people: [29] returns only person 29, at P = 0 by default, labelled', async () => {
  const r = await loadColumbiaGaze(CROPS, SIZE, { people: [29] });
  assert.equal(r.dataset.size, 42, '21 gaze directions × 2 eyes');
  assert.deepEqual(new Set(r.people), new Set([29]));
  assert.equal(r.people.length, r.dataset.size);
  assert.ok(r.files.every((f) => parseColumbiaName(f).person === 29 && parseColumbiaName(f).pose === 0));
  assert.deepEqual(r.dataset.imageShape, [35, 55, 1]);
  assert.deepEqual(r.dataset.labelNames, ['x', 'y', 'z', 'yaw', 'pitch', 'person']);
  assert.deepEqual(peopleOf(r.dataset), [29]);
  assert.equal(r.skipped.count, 0);
  const posed = await loadColumbiaGaze(CROPS, { width: 30, height: 20 }, { people: [29], poses: [15, -15] });
  assert.equal(posed.dataset.size, 84);
  assert.ok(posed.files.every((f) => Math.abs(parseColumbiaName(f).pose) === 15));
  assert.deepEqual(posed.dataset.imageShape, [20, 30, 1]);
});

test('the registry: columbia-gaze holds only training people, columbia-gaze-test only test people, no image in both', async () => {
  const cacheDir = tmp('cache');
  const trainSet = await loadSource('columbia-gaze', { size: SIZE, cacheDir });
  const testSet = await loadSource('columbia-gaze-test', { size: SIZE, cacheDir });
  const { train: trainPeople, test: testPeople } = columbiaSplit();
  // The person rides in every label, through the binary cache too.
  assert.deepEqual(peopleOf(trainSet), trainPeople);
  assert.deepEqual(peopleOf(testSet), testPeople);
  // The sources load exactly COLUMBIA_SOURCES' people; those are what the loader reports per image.
  const r = await train();
  assert.ok(r.people.every((p) => !testPeople.includes(p)), 'a test person in the training people');
  assert.equal(trainSet.size, r.dataset.size);
  assert.deepEqual(unitToU8(trainSet.image(trainSet.size - 1)), unitToU8(r.dataset.image(r.dataset.size - 1)));
  const direct = await loadColumbiaGaze(CROPS, SIZE, { people: testPeople });
  assert.equal(testSet.size, direct.dataset.size);
  assert.ok(direct.people.every((p) => testPeople.includes(p)));
  // And by the pixels: no test person's image is in the training source.
  const key = (px: Float32Array) => Buffer.from(unitToU8(px)).toString('base64');
  const inTrain = new Set(Array.from({ length: trainSet.size }, (_, i) => key(trainSet.image(i))));
  const shared = direct.files.filter((_, i) => inTrain.has(key(direct.dataset.image(i))));
  assert.deepEqual(shared, [], 'test images found in columbia-gaze');
  console.log(`columbia-gaze: ${trainSet.size} images (people 1–28, P = 0); columbia-gaze-test: ${testSet.size} (people 29–40)`);
});

test('bad inputs: bad names, a 32×32 JPEG, a non-JPEG, an empty or missing folder', async () => {
  const dir = tmp('bad');
  const good = '0001_2m_0P_0V_0H_L.jpg';
  fs.copyFileSync(path.join(CROPS, good), path.join(dir, good));
  fs.copyFileSync(path.join(CROPS, '0001_2m_0P_0V_5H_L.jpg'), path.join(dir, '0001_2m_0P_0V_5H.jpg')); // no eye letter
  fs.copyFileSync(path.join(CROPS, '0001_2m_0P_0V_10H_R.jpg'), path.join(dir, 'eye-0001.jpg'));
  const small = await sharp(Buffer.alloc(32 * 32 * 3, 90), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer();
  fs.writeFileSync(path.join(dir, '0002_2m_0P_0V_0H_L.jpg'), small);
  fs.writeFileSync(path.join(dir, '0003_2m_0P_0V_0H_R.jpg'), 'not a jpeg at all');
  fs.writeFileSync(path.join(dir, 'README.txt'), 'ignored: not a .jpg');
  const warnings: string[] = [];
  const r = await loadColumbiaGaze(dir, SIZE, { warn: (m) => warnings.push(m) });
  assert.equal(r.dataset.size, 1);
  assert.deepEqual(r.people, [1]);
  assert.equal(r.skipped.count, 4);
  assert.equal(warnings.length, 1, 'one summary warning');
  const w = warnings[0];
  assert.match(w, /^skipped 4 of 5 Columbia Gaze crops in /);
  for (const [file, why] of [
    ['0001_2m_0P_0V_5H.jpg', /not a Columbia Gaze crop name: expected SSSS_2m_/],
    ['eye-0001.jpg', /not a Columbia Gaze crop name/],
    ['0002_2m_0P_0V_0H_L.jpg', /is 32×32, expected a 64×64 crop/],
    ['0003_2m_0P_0V_0H_R.jpg', /not a readable image/],
  ] as const) {
    const s = r.skipped.skipped.find((k) => k.where === path.join(dir, file));
    assert.ok(s && why.test(s.why), `${file}: ${JSON.stringify(s)}`);
    assert.ok(w.includes(path.join(dir, file)), `the warning names ${file}`);
  }
  // Nothing usable: the error carries the summary.
  fs.unlinkSync(path.join(dir, good));
  await assert.rejects(loadColumbiaGaze(dir, SIZE, { warn: () => {} }), (e: unknown) => e instanceof DataError && e.where === dir && /no usable Columbia Gaze crops.*is 32×32/.test(e.what));
  // No crop for the selection.
  await assert.rejects(loadColumbiaGaze(dir, SIZE, { people: [40] }), (e: unknown) => e instanceof DataError && /no Columbia Gaze crops for people 40, poses 0/.test(e.what));
  const empty = tmp('empty');
  fs.writeFileSync(path.join(empty, 'notes.txt'), '');
  await assert.rejects(loadColumbiaGaze(empty), (e: unknown) => e instanceof DataError && e.where === empty && /found no \.jpg files \(1 other entries\)/.test(e.what));
  const missing = path.join(empty, 'nope');
  await assert.rejects(loadColumbiaGaze(missing), (e: unknown) => e instanceof DataError && e.where === missing && /cannot read the Columbia Gaze crops folder \(ENOENT\)/.test(e.what));
});
