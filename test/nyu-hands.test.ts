import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError } from '../src/data/errors';
import { cropDepth, decodeNyuDepth, defaultCentre, loadNyuHandCrops } from '../src/data/nyu-hands';

const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `simgan-nyu-${tag}-`));
const [W, H] = [320, 240];

/** An NYU-style PNG: depth (mm) as (green << 8) | blue, red set to junk that must be ignored. */
async function depthPng(w: number, h: number, depth: (x: number, y: number) => number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = depth(x, y), i = (y * w + x) * 3;
      raw[i] = (x * 31 + y) & 255;
      raw[i + 1] = d >> 8;
      raw[i + 2] = d & 255;
    }
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/**
 * A "hand": background without depth, a 100×80 block at 800 mm around the image centre (160, 120), and
 * a strip of known depths to its right on row 120: x = 215…219 at 650, 725, 800, 875, 1200 mm.
 */
const scene = (x: number, y: number) => {
  if (y === 120 && x >= 215 && x < 220) return [650, 725, 800, 875, 1200][x - 215];
  return Math.abs(x - 160) < 50 && Math.abs(y - 120) < 40 ? 800 : 0;
};

test('decodeNyuDepth: depth = (green << 8) | blue, red ignored', async () => {
  const img = await decodeNyuDepth(await depthPng(W, H, (x, y) => (x * 97 + y * 13) % 4096));
  assert.equal(img.width, W);
  assert.equal(img.height, H);
  for (const [x, y] of [[0, 0], [17, 3], [319, 239], [200, 100]]) assert.equal(img.depth[y * W + x], (x * 97 + y * 13) % 4096);
});

test('defaultCentre: image centre, median non-zero depth of the central window', async () => {
  const img = await decodeNyuDepth(await depthPng(W, H, scene));
  assert.deepEqual(defaultCentre(img), { x: 160, y: 120, depth: 800 });
  const half = await decodeNyuDepth(await depthPng(8, 8, (x) => (x < 4 ? 0 : 100 + x)));
  assert.deepEqual(defaultCentre(half, 8), { x: 4, y: 4, depth: 105.5 }); // 104…107: zeros ignored, even count averaged
  assert.equal(defaultCentre(await decodeNyuDepth(await depthPng(16, 16, () => 0))), undefined);
});

test('cropDepth: ±150 mm around the centre to [-1, 1], no depth and outside the image → 1', async () => {
  const img = await decodeNyuDepth(await depthPng(W, H, scene));
  const c = { x: 160, y: 120, depth: 800 };
  const crop = cropDepth(img, c);
  assert.equal(crop.length, 224 * 224);
  const at = (x: number, y: number) => crop[(y - 120 + 112) * 224 + (x - 160 + 112)]; // source pixel (x, y)
  assert.equal(at(160, 120), 0);
  assert.deepEqual([215, 216, 217, 218, 219].map((x) => at(x, 120)), [-1, -0.5, 0, 0.5, 1]);
  assert.equal(at(100, 60), 1); // background, no depth
  assert.equal(crop[0], 1); // (48, 8): background
  const corner = cropDepth(img, { x: 0, y: 0, depth: 800 }, 224);
  assert.equal(corner[0], 1); // beyond the border
  const nearer = cropDepth(img, { ...c, depth: 900 }, 224, 200);
  assert.equal(nearer[112 * 224 + 112], -0.5); // (800 − 900) / 200
});

test('loadNyuHandCrops: a folder by name, default and given centres, labels', async () => {
  const dir = tmp('ok');
  fs.writeFileSync(path.join(dir, 'b.png'), await depthPng(W, H, scene));
  fs.writeFileSync(path.join(dir, 'a.png'), await depthPng(W, H, (x, y) => scene(x, y) && scene(x, y) + 100));
  fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  const { dataset, skipped } = await loadNyuHandCrops(dir, { warn: () => assert.fail('no warning expected') });
  assert.equal(skipped.count, 0);
  assert.equal(dataset.size, 2);
  assert.deepEqual(dataset.imageShape, [224, 224, 1]);
  assert.deepEqual(dataset.labelNames, ['x', 'y', 'depth']);
  assert.deepEqual(dataset.labels!.map((l) => Array.from(l)), [[160, 120, 900], [160, 120, 800]]); // a.png first
  assert.equal(dataset.image(1)[112 * 224 + 112 + 56], -0.5); // b.png at source x 216: 725 mm
  const given = await loadNyuHandCrops([path.join(dir, 'b.png')], { size: 32, centre: () => ({ x: 216, y: 120, depth: 650 }) });
  assert.deepEqual(given.dataset.imageShape, [32, 32, 1]);
  assert.equal(given.dataset.image(0)[16 * 32 + 16], 0.5); // 725 mm at the centre, 75 mm behind 650
});

test('loadNyuHandCrops: corrupt PNG, gray PNG, no central depth — skipped and named; empty folder stops', async () => {
  const dir = tmp('bad');
  const good = await depthPng(W, H, scene);
  fs.writeFileSync(path.join(dir, '1.png'), good);
  fs.writeFileSync(path.join(dir, '2.png'), good.subarray(0, good.length / 2));
  fs.writeFileSync(path.join(dir, '3.png'), await sharp(Buffer.alloc(64, 9), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').png().toBuffer());
  fs.writeFileSync(path.join(dir, '4.png'), await depthPng(W, H, () => 0));
  const warnings: string[] = [];
  const { dataset, skipped } = await loadNyuHandCrops(dir, { warn: (m) => warnings.push(m) });
  assert.equal(dataset.size, 1);
  assert.deepEqual(skipped.skipped.map((s) => path.basename(s.where)), ['2.png', '3.png', '4.png']);
  assert.match(skipped.skipped[0].why, /not a readable image/);
  assert.equal(skipped.skipped[1].why, 'expected an RGB PNG with depth packed in green (high byte) and blue (low byte), found 1 channel(s)');
  assert.equal(skipped.skipped[2].why, 'no depth measured in the central 64×64 window; give a centre');
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].startsWith(`skipped 3 of 4 depth images from ${dir}: ${path.join(dir, '2.png')}: not a readable image`), warnings[0]);
  const empty = tmp('empty');
  await assert.rejects(loadNyuHandCrops(empty), (e: unknown) => e instanceof DataError && e.message === `${empty}: expected NYU depth .png files, found none (0 other entries)`);
  await assert.rejects(loadNyuHandCrops([path.join(dir, '4.png')], { warn: () => {} }), (e: unknown) => e instanceof DataError && /4\.png: no usable depth images/.test(e.message));
  await assert.rejects(decodeNyuDepth(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).jpeg().toBuffer(), 'x.jpg'), /x\.jpg: expected a PNG \(lossless depth\), found jpeg/);
});
