import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError } from '../src/data/errors';
import { loadGray } from '../src/data/images';
import { base64Problem, gazeLabel, loadImageFolder, loadMpiigazeCsv, loadMpiigazeOfficial, mapLimit } from '../src/data/mpiigaze';
import { sharedDataDir } from '../src/paths';
import { columnMajor, writeMat, type WValue } from './mat-writer';

const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `simgan-mpii-${tag}-`));
const FULL = { width: 60, height: 36 };

/** A gray image from a function of (x, y), encoded. */
async function grayImage(w: number, h: number, f: (x: number, y: number) => number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const raw = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * w + x] = f(x, y);
  const img = sharp(raw, { raw: { width: w, height: h, channels: 1 } });
  return format === 'jpeg' ? img.jpeg({ quality: 100 }).toBuffer() : img.png().toBuffer();
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
/** uint8 → the float32 a dataset stores. */
const unit = (u8: number) => Math.fround(u8 / 127.5 - 1);

test('mapLimit keeps input order and never runs more than the limit at once', async () => {
  let running = 0, peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (v) => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, v));
    running--;
    return v * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
  assert.equal(peak, 2);
});

test('base64Problem catches what Buffer.from would silently accept', () => {
  assert.equal(base64Problem('QUJD'), undefined);
  assert.equal(base64Problem('QUI='), undefined);
  assert.match(base64Problem('QU!D')!, /character "!"/);
  assert.match(base64Problem('QUJ')!, /length 3 is not a multiple of 4/);
  assert.match(base64Problem('Q=JD')!, /misplaced '='/);
  assert.match(base64Problem('')!, /empty/);
});

test('CSV: hand-made rows decode to the right pixels and subject labels', async () => {
  const dir = tmp('csv');
  const file = path.join(dir, 'eyes.csv');
  const flat = await grayImage(60, 36, () => 200, 'jpeg');
  const halves = await grayImage(60, 36, (x) => (x < 30 ? 0 : 255), 'jpeg');
  fs.writeFileSync(file, `subject_id,image_base64\r\n3,${flat.toString('base64')}\r\n5,${halves.toString('base64')}\r\n\r\n`);
  const { dataset, skipped } = await loadMpiigazeCsv(file, FULL, { subjectLabels: true, warn: () => assert.fail('no warning expected') });
  assert.equal(skipped.count, 0);
  assert.equal(dataset.size, 2);
  assert.deepEqual(dataset.imageShape, [36, 60, 1]);
  assert.deepEqual(dataset.labelNames, ['subject']);
  assert.deepEqual(dataset.labels!.map((l) => Array.from(l)), [[3], [5]]);
  assert.ok(Math.abs(mean(dataset.image(0)) - (200 / 127.5 - 1)) < 0.01);
  const img = dataset.image(1);
  assert.ok(img[10 * 60 + 5] < -0.95 && img[10 * 60 + 55] > 0.95, `left dark, right bright: ${img[10 * 60 + 5]}, ${img[10 * 60 + 55]}`);
  // resized to the default 55×35, no labels unless asked
  const small = await loadMpiigazeCsv(file);
  assert.deepEqual(small.dataset.imageShape, [35, 55, 1]);
  assert.equal(small.dataset.labels, undefined);
});

test('CSV: bad base64, non-image bytes, truncated JPEG and a short row are skipped, named by row, warned once', async () => {
  const dir = tmp('csvbad');
  const file = path.join(dir, 'eyes.csv');
  const good = (await grayImage(60, 36, () => 100, 'jpeg')).toString('base64');
  const truncated = (await grayImage(60, 36, (x, y) => (x * 7 + y * 13) % 256, 'jpeg')).subarray(0, 300).toString('base64');
  const rows = [
    `0,${good}`,
    `0,${good.slice(0, 40)}!${good.slice(41)}`,
    `0,${Buffer.from('definitely not a jpeg!').toString('base64')}`,
    `0,${truncated}`,
    `0`,
    `0,${good}`,
  ];
  fs.writeFileSync(file, ['subject_id,image_base64', ...rows].join('\n') + '\n');
  const warnings: string[] = [];
  const { dataset, skipped } = await loadMpiigazeCsv(file, FULL, { warn: (m) => warnings.push(m) });
  assert.equal(dataset.size, 2);
  assert.equal(skipped.count, 4);
  assert.deepEqual(skipped.skipped.map((s) => s.where), [2, 3, 4, 5].map((r) => `${file} row ${r}`));
  assert.match(skipped.skipped[0].why, /not valid base64 \(character "!"\)/);
  assert.match(skipped.skipped[1].why, /not a readable image/);
  assert.match(skipped.skipped[2].why, /not a readable image/);
  assert.match(skipped.skipped[3].why, /expected 2 fields \(subject_id,image_base64\), found 1/);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].startsWith(`skipped 4 of 6 rows of ${file}: ${file} row 2: image_base64 is not valid base64`), warnings[0]);
});

test('CSV: wrong header, missing file, no rows, every row bad — each a DataError naming the file', async () => {
  const dir = tmp('csverr');
  const f = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const wrong = f('wrong.csv', 'id,pixels\n0,AAAA\n');
  await assert.rejects(loadMpiigazeCsv(wrong), (e: unknown) => e instanceof DataError && e.message === `${wrong}: expected a CSV with the header 'subject_id,image_base64', found 'id,pixels'`);
  const missing = path.join(dir, 'nope.csv');
  await assert.rejects(loadMpiigazeCsv(missing), (e: unknown) => e instanceof DataError && e.message === `${missing}: cannot read the CSV (ENOENT)`);
  const empty = f('empty.csv', 'subject_id,image_base64\n');
  await assert.rejects(loadMpiigazeCsv(empty), (e: unknown) => e instanceof DataError && e.message === `${empty}: the CSV has a header but no data rows`);
  const allBad = f('bad.csv', 'subject_id,image_base64\n0,@@@@\n1,AAAA\n');
  await assert.rejects(loadMpiigazeCsv(allBad, FULL, { warn: () => {} }), (e: unknown) => e instanceof DataError && e.message.startsWith(`${allBad}: no usable rows of ${allBad} (skipped 2 of 2 rows`));
});

test('CSV: the shared 2,500-row MPIIGaze file loads in seconds', async () => {
  const file = path.join(sharedDataDir(), 'mpiigaze', 'real_eyes_60x36.csv');
  const t0 = Date.now();
  const { dataset, skipped } = await loadMpiigazeCsv(file);
  const ms = Date.now() - t0;
  assert.equal(skipped.count, 0);
  assert.equal(dataset.size, 2500);
  assert.deepEqual(dataset.imageShape, [35, 55, 1]);
  let lo = Infinity, hi = -Infinity;
  for (const v of dataset.pixels) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(lo >= -1 && hi <= 1 && hi - lo > 1.5, `pixel range ${lo}…${hi}`);
  assert.ok(Math.abs(mean(dataset.image(0)) - mean(dataset.image(1))) > 1e-4, 'rows differ');
  assert.ok(ms < 30000, `took ${ms} ms`);
  const few = await loadMpiigazeCsv(file, { width: 60, height: 36 }, { limit: 10 });
  assert.equal(few.dataset.size, 10);
});

test('folder: the shared 55×35 PNG fixture, sorted by name', async () => {
  const dir = path.join(sharedDataDir(), 'fixtures', 'mpiigaze-55x35');
  const { dataset, skipped } = await loadImageFolder(dir);
  assert.equal(dataset.size, 144);
  assert.equal(skipped.count, 0);
  assert.deepEqual(dataset.imageShape, [35, 55, 1]);
  const first = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort()[0];
  assert.deepEqual(dataset.image(0), await loadGray(path.join(dir, first), { width: 55, height: 35 }));
});

test('folder: hand-made images in name order, other files ignored, a corrupt image skipped and named', async () => {
  const dir = tmp('folder');
  fs.writeFileSync(path.join(dir, 'b.JPG'), await grayImage(60, 36, () => 255, 'jpeg'));
  fs.writeFileSync(path.join(dir, 'a.png'), await grayImage(60, 36, (x) => x, 'png'));
  fs.writeFileSync(path.join(dir, 'c.png'), Buffer.from('not a png'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  const warnings: string[] = [];
  const { dataset, skipped } = await loadImageFolder(dir, FULL, { warn: (m) => warnings.push(m) });
  assert.equal(dataset.size, 2);
  assert.equal(dataset.image(0)[7], unit(7)); // a.png first, exact (lossless, no resize)
  assert.ok(dataset.image(1).every((v) => v > 0.98));
  assert.equal(skipped.count, 1);
  assert.equal(skipped.skipped[0].where, path.join(dir, 'c.png'));
  assert.match(skipped.skipped[0].why, /not a readable image/);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^skipped 1 of 3 images in .*: .*c\.png: not a readable image/);
});

test('folder: empty or missing folder stops with a DataError naming it', async () => {
  const dir = tmp('empty');
  fs.writeFileSync(path.join(dir, 'readme.md'), '#');
  await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataError && e.message === `${dir}: expected .png/.jpg/.jpeg images, found none (1 other entries)`);
  await assert.rejects(loadImageFolder(path.join(dir, 'nope')), (e: unknown) => e instanceof DataError && /nope: cannot read the image folder \(ENOENT\)/.test(e.message));
});

// ---- official .mat layout -------------------------------------------------------------------------------

const N = 3, H = 36, W = 60;
/** Pixel (x, y) of image i of an eye: a horizontal ramp, so a mirror is visible; eyes and images differ. */
const pix = (eye: number, i: number, x: number, y: number) => (x * 4 + eye * 7 + i + (y % 2)) % 256;
const gazeOf = (eye: number, i: number): [number, number, number] => {
  const v = [0.1 * (i + 1) * (eye ? -1 : 1), -0.2 + 0.05 * i, -1];
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
};

function dayMat(opts: { dropRightGaze?: boolean; offset?: number } = {}): Buffer {
  const off = opts.offset ?? 0;
  const eye = (e: number): WValue => {
    const fields: Record<string, WValue> = {
      image: { kind: 'numeric', class: 'uint8', dims: [N, H, W], data: columnMajor([N, H, W], (i, y, x) => pix(e, i + off, x, y)) },
      gaze: { kind: 'numeric', class: 'double', dims: [N, 3], data: columnMajor([N, 3], (i, j) => gazeOf(e, i + off)[j]) },
      pose: { kind: 'numeric', class: 'double', dims: [N, 3], data: new Array(N * 3).fill(0) },
    };
    if (e === 1 && opts.dropRightGaze) delete fields.gaze;
    return { kind: 'struct', fields: Object.keys(fields), elements: [fields] };
  };
  return writeMat(
    {
      data: { kind: 'struct', fields: ['left', 'right'], elements: [{ left: eye(0), right: eye(1) }] },
      filenames: { kind: 'cell', dims: [N, 1], items: Array.from({ length: N }, (_, i) => ({ kind: 'char', rows: [`day01/${i}.jpg`] }) as WValue) },
    },
    { compress: true },
  );
}

function officialRoot(): string {
  const root = tmp('official');
  const norm = path.join(root, 'Data', 'Normalized');
  for (const [p, d, off] of [['p00', 'day01', 0], ['p00', 'day02', 10], ['p01', 'day01', 20]] as const) {
    fs.mkdirSync(path.join(norm, p), { recursive: true });
    fs.writeFileSync(path.join(norm, p, `${d}.mat`), dayMat({ offset: off }));
  }
  return root;
}

test('gazeLabel: MPIIGaze yaw/pitch convention', () => {
  const at = gazeLabel(0, 0, -2); // straight at the camera (normalised)
  [0, 0, -1, 0, 0].forEach((v, k) => assert.ok(Math.abs(at[k] - v) < 1e-9, `${Array.from(at)}`));
  const up = gazeLabel(0, -Math.sin(0.3), -Math.cos(0.3)); // y down, so looking up is y < 0
  assert.ok(Math.abs(up[4] - 0.3) < 1e-6 && Math.abs(up[3]) < 1e-6);
  const right = gazeLabel(Math.sin(0.4), 0, -Math.cos(0.4)); // towards the camera's +x
  assert.ok(Math.abs(right[3] + 0.4) < 1e-6);
});

test('official: images row-major, gaze labels, right eyes mirrored into left eyes', async () => {
  const root = officialRoot();
  const { dataset, skipped } = await loadMpiigazeOfficial(root, FULL);
  assert.equal(skipped.count, 0);
  assert.equal(dataset.size, 3 * N * 2);
  assert.deepEqual(dataset.labelNames, ['x', 'y', 'z', 'yaw', 'pitch']);
  // order: p00/day01 (left 0, right 0, left 1, …), p00/day02, p01/day01
  const left1 = dataset.image(2);
  for (const [x, y] of [[0, 0], [5, 3], [59, 35]]) assert.equal(left1[y * W + x], unit(pix(0, 1, x, y)));
  const right1 = dataset.image(3);
  for (const [x, y] of [[0, 0], [5, 3], [59, 35]]) assert.equal(right1[y * W + x], unit(pix(1, 1, W - 1 - x, y)), `mirrored at ${x},${y}`);
  const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, k) => assert.ok(Math.abs(a[k] - v) < 1e-6, `${Array.from(a)} vs ${b}`));
  const [lx, ly, lz] = gazeOf(0, 1);
  close(dataset.labels![2], [lx, ly, lz, Math.atan2(-lx, -lz), Math.asin(-ly)]);
  const [rx, ry, rz] = gazeOf(1, 1);
  close(dataset.labels![3], [-rx, ry, rz, Math.atan2(rx, -rz), Math.asin(-ry)]);
  // the third file (p01/day01, offset 20), its first left eye
  close(dataset.labels![12], gazeOf(0, 20).concat([Math.atan2(-gazeOf(0, 20)[0], -gazeOf(0, 20)[2]), Math.asin(-gazeOf(0, 20)[1])]));
  const small = await loadMpiigazeOfficial(root);
  assert.deepEqual(small.dataset.imageShape, [35, 55, 1]);
  assert.equal(small.dataset.size, 18);
  // resizing keeps the ramp: mean about the same, dark on the left of a left eye, on the right of a mirrored right eye
  assert.ok(Math.abs(mean(small.dataset.image(2)) - mean(left1)) < 0.02);
  const s2 = small.dataset.image(2), s3 = small.dataset.image(3);
  assert.ok(s2[17 * 55 + 2] < s2[17 * 55 + 52] && s3[17 * 55 + 2] > s3[17 * 55 + 52]);
});

test('official: eyes, participants, days and limit select; the Normalized folder itself is accepted', async () => {
  const root = officialRoot();
  const left = await loadMpiigazeOfficial(root, FULL, { eyes: 'left' });
  assert.equal(left.dataset.size, 9);
  assert.equal(left.dataset.image(1)[0], unit(pix(0, 1, 0, 0)));
  const right = await loadMpiigazeOfficial(root, FULL, { eyes: 'right', participants: [1] });
  assert.equal(right.dataset.size, 3);
  assert.ok(Math.abs(right.dataset.labels![0][0] + gazeOf(1, 20)[0]) < 1e-6, 'x negated');
  const day2 = await loadMpiigazeOfficial(path.join(root, 'Data', 'Normalized'), FULL, { participants: ['p00'], days: ['day02'] });
  assert.equal(day2.dataset.size, 6);
  assert.ok(Math.abs(day2.dataset.labels![0][0] - gazeOf(0, 10)[0]) < 1e-6);
  const lim = await loadMpiigazeOfficial(root, FULL, { limit: 3 });
  assert.equal(lim.dataset.size, 3);
  assert.deepEqual(lim.dataset.image(2), left.dataset.image(1)); // left 0, right 0, left 1
  await assert.rejects(loadMpiigazeOfficial(root, FULL, { days: [9] }), /Normalized: expected pXX\/dayYY\.mat files for days 9, found none/);
});

test('official: a .mat without the expected field, a truncated .mat, a folder without pXX — DataErrors naming the file', async () => {
  const root = officialRoot();
  const bad = path.join(root, 'Data', 'Normalized', 'p01', 'day01.mat');
  fs.writeFileSync(bad, dayMat({ dropRightGaze: true }));
  await assert.rejects(
    loadMpiigazeOfficial(root, FULL),
    (e: unknown) => e instanceof DataError && e.message === `${bad}: expected 'data.right.gaze', but 'data.right' has no field 'gaze' (fields: image, pose)`,
  );
  // the left eyes alone do not need it
  assert.equal((await loadMpiigazeOfficial(root, FULL, { eyes: 'left' })).dataset.size, 9);
  const whole = dayMat();
  fs.writeFileSync(bad, whole.subarray(0, whole.length - 100));
  await assert.rejects(loadMpiigazeOfficial(root, FULL), (e: unknown) => e instanceof DataError && e.message.startsWith(`${bad}: truncated`));
  const emptyRoot = tmp('noparts');
  await assert.rejects(loadMpiigazeOfficial(emptyRoot), (e: unknown) => e instanceof DataError && e.message.startsWith(`${emptyRoot}: expected MPIIGaze's layout Data/Normalized/pXX/dayYY.mat`));
});
