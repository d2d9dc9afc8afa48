import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DataError } from '../src/data/errors';
import { loadUnityEyes, parseTuple, parseUnityEyesJson, unityEyesCrop, unityEyesGaze } from '../src/data/unityeyes';
import { sharedDataDir } from '../src/paths';

const FIXTURE = path.join(sharedDataDir(), 'fixtures', 'unityeyes', '1.json');
const fixtureText = () => fs.readFileSync(FIXTURE, 'utf8');
const [IW, IH] = [640, 480]; // UnityEyes' default render size; the fixture's landmarks lie well inside it
/** The crop the fixture implies, computed by hand from its numbers (see unityeyes.ts): */
const BOX = { left: 346.01, top: 114.6, width: 162.59, height: 97.55 };

const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `simgan-unity-${tag}-`));

/** A 640×480 render: mid-gray, with the expected eye box dark in its left half and bright in its right. */
async function render(): Promise<Buffer> {
  const raw = Buffer.alloc(IW * IH, 128);
  for (let y = Math.ceil(BOX.top); y < BOX.top + BOX.height; y++) {
    for (let x = Math.ceil(BOX.left); x < BOX.left + BOX.width; x++) raw[y * IW + x] = x < BOX.left + BOX.width / 2 ? 30 : 220;
  }
  return sharp(raw, { raw: { width: IW, height: IH, channels: 1 } }).jpeg({ quality: 95 }).toBuffer();
}

const withLook = (text: string, look: string) => text.replace(/"look_vec": "[^"]*"/, `"look_vec": "${look}"`);

test('parseTuple and parseUnityEyesJson read the real annotation', () => {
  assert.deepEqual(parseTuple('(1.5, -2, 3.25)', 'f', 'p'), [1.5, -2, 3.25]);
  assert.throws(() => parseTuple('1, 2', 'f.json', 'iris_2d[3]'), (e: unknown) => e instanceof DataError && e.message === 'f.json: iris_2d[3]: expected a string like "(x, y, z)", found "1, 2"');
  const a = parseUnityEyesJson(fixtureText(), FIXTURE);
  assert.equal(a.interiorMargin.length, 16);
  assert.equal(a.caruncle.length, 7);
  assert.deepEqual(a.interiorMargin[0], [371.4855, 296.423]);
  assert.deepEqual(a.lookVec, [0.3404, 0.3879, -0.8566]);
});

test('look_vec is x right, y up, z away: the iris contour of the real annotation faces it', () => {
  // Fit depth = a·x + b·y + c over the iris contour (y up, as written). A disc facing (gx, gy, gz), gz < 0,
  // recedes towards where it looks: a = gx/|gz|·k, b = gy/|gz|·k for one scale k. So a, b must share the
  // signs of look_vec x, y and b/a must equal gy/gx — which fixes the frame the loader converts from.
  const j = JSON.parse(fixtureText());
  const pts: number[][] = j.iris_2d.map((s: string) => parseTuple(s, FIXTURE, 'iris_2d'));
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length, my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxx = 0, sxy = 0, syy = 0, sxz = 0, syz = 0;
  for (const [x, y, z] of pts) {
    const [dx, dy] = [x - mx, y - my];
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy; sxz += dx * z; syz += dy * z;
  }
  const det = sxx * syy - sxy * sxy;
  const a = (syy * sxz - sxy * syz) / det, b = (sxx * syz - sxy * sxz) / det;
  const [gx, gy] = parseUnityEyesJson(fixtureText(), FIXTURE).lookVec;
  assert.ok(a > 0 && gx > 0 && b > 0 && gy > 0);
  assert.ok(Math.abs(b / a - gy / gx) < 0.01, `depth slope ratio ${b / a} vs look ${gy / gx}`);
});

test('unityEyesCrop: 5:3 box centred on the interior margin, y flipped, 1.2 × the corner distance wide', () => {
  const box = unityEyesCrop(parseUnityEyesJson(fixtureText(), FIXTURE), IH);
  for (const k of ['left', 'top', 'width', 'height'] as const) assert.ok(Math.abs(box[k] - BOX[k]) < 0.02, `${k}: ${box[k]} vs ${BOX[k]}`);
  assert.ok(Math.abs(box.width / box.height - 5 / 3) < 1e-9);
  const wider = unityEyesCrop(parseUnityEyesJson(fixtureText(), FIXTURE), IH, 1.5);
  assert.ok(Math.abs(wider.width - (BOX.width * 1.5) / 1.2) < 0.02);
  assert.ok(Math.abs(wider.left + wider.width / 2 - (box.left + box.width / 2)) < 1e-9, 'same centre');
});

test('unityEyesGaze: y negated into MPIIGaze\'s camera frame, yaw/pitch as MPIIGaze', () => {
  const g = unityEyesGaze([0.3404, 0.3879, -0.8566]);
  const expected = [0.34038262, -0.38788019, -0.85655626, -0.37825005, 0.39833061];
  expected.forEach((v, k) => assert.ok(Math.abs(g[k] - v) < 1e-6, `${Array.from(g)}`));
  // looking up (y up in UnityEyes) is a positive pitch, as in MPIIGaze
  assert.ok(unityEyesGaze([0, 0.5, -0.8])[4] > 0.5);
});

test('loadUnityEyes: the fixture annotation with a matching render is cropped, resized and labelled', async () => {
  const dir = tmp('ok');
  fs.writeFileSync(path.join(dir, '1.json'), fixtureText());
  fs.writeFileSync(path.join(dir, '1.jpg'), await render());
  fs.writeFileSync(path.join(dir, '10.json'), withLook(fixtureText(), '(0.0000, 0.0000, -1.0000, 0.0000)'));
  fs.writeFileSync(path.join(dir, '10.jpg'), await render());
  fs.writeFileSync(path.join(dir, '2.json'), withLook(fixtureText(), '(-0.5000, 0.0000, -0.8660, 0.0000)'));
  fs.writeFileSync(path.join(dir, '2.jpg'), await render());
  const { dataset, skipped } = await loadUnityEyes(dir, undefined, { warn: () => assert.fail('no warning expected') });
  assert.equal(skipped.count, 0);
  assert.equal(dataset.size, 3);
  assert.deepEqual(dataset.imageShape, [35, 55, 1]);
  assert.deepEqual(dataset.labelNames, ['x', 'y', 'z', 'yaw', 'pitch']);
  // numeric order 1, 2, 10
  assert.ok(Math.abs(dataset.labels![0][3] + 0.37825) < 1e-5);
  assert.ok(Math.abs(dataset.labels![1][0] + 0.5) < 1e-4 && Math.abs(dataset.labels![1][3] - Math.atan2(0.5, 0.866)) < 1e-5);
  assert.ok(Math.abs(dataset.labels![2][3]) < 1e-6 && Math.abs(dataset.labels![2][4]) < 1e-6);
  // the crop is the box: dark left half, bright right half, no mid-gray surround (which an unflipped y would give)
  const img = dataset.image(0);
  const at = (x: number, y: number) => img[y * 55 + x];
  for (const y of [1, 17, 33]) {
    for (const x of [1, 10, 25]) assert.ok(Math.abs(at(x, y) - (30 / 127.5 - 1)) < 0.12, `dark at ${x},${y}: ${at(x, y)}`);
    for (const x of [30, 44, 53]) assert.ok(Math.abs(at(x, y) - (220 / 127.5 - 1)) < 0.12, `bright at ${x},${y}: ${at(x, y)}`);
  }
});

test('loadUnityEyes: missing JSON, missing image, bad JSON, missing field, corrupt image, crop off the image — skipped and named', async () => {
  const dir = tmp('bad');
  const jpg = await render();
  fs.writeFileSync(path.join(dir, '1.json'), fixtureText());
  fs.writeFileSync(path.join(dir, '1.jpg'), jpg);
  fs.writeFileSync(path.join(dir, '2.jpg'), jpg); // no 2.json
  fs.writeFileSync(path.join(dir, '3.json'), fixtureText()); // no 3.jpg
  fs.writeFileSync(path.join(dir, '4.json'), '{ "interior_margin_2d": [');
  fs.writeFileSync(path.join(dir, '4.jpg'), jpg);
  fs.writeFileSync(path.join(dir, '5.json'), fixtureText().replace('"eye_details"', '"eye_detail"'));
  fs.writeFileSync(path.join(dir, '5.jpg'), jpg);
  fs.writeFileSync(path.join(dir, '6.json'), fixtureText());
  fs.writeFileSync(path.join(dir, '6.jpg'), jpg.subarray(0, 20));
  fs.writeFileSync(path.join(dir, '7.json'), fixtureText());
  fs.writeFileSync(path.join(dir, '7.jpg'), await sharp({ create: { width: 320, height: 240, channels: 3, background: '#888' } }).jpeg().toBuffer());
  const warnings: string[] = [];
  const { dataset, skipped } = await loadUnityEyes(dir, undefined, { warn: (m) => warnings.push(m) });
  assert.equal(dataset.size, 1);
  const f = (n: string) => path.join(dir, n);
  assert.deepEqual(
    skipped.skipped.map((s) => s.where),
    [f('2.jpg'), f('3.json'), f('4.jpg'), f('5.jpg'), f('6.jpg'), f('7.jpg')],
  );
  const why = skipped.skipped.map((s) => s.why);
  assert.equal(why[0], 'no annotation beside it (expected 2.json)');
  assert.equal(why[1], 'no image beside it (expected 3.jpg)');
  assert.match(why[2], /^4\.json: not valid JSON/);
  assert.equal(why[3], `5.json: expected 'eye_details.look_vec', a string "(x, y, z, w)"`);
  assert.match(why[4], /not a readable image/);
  assert.match(why[5], /^eye crop 163×98 at \(346, -125\) leaves the 320×240 image$/);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].startsWith(`skipped 6 of 7 UnityEyes renders in ${dir}: ${f('2.jpg')}: no annotation`), warnings[0]);
});

test('loadUnityEyes: an empty folder, a missing folder, or nothing usable stops with a DataError', async () => {
  const dir = tmp('empty');
  fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  await assert.rejects(loadUnityEyes(dir), (e: unknown) => e instanceof DataError && e.message === `${dir}: expected UnityEyes renders (N.jpg with N.json), found no .jpg or .json files (1 other entries)`);
  await assert.rejects(loadUnityEyes(path.join(dir, 'nope')), (e: unknown) => e instanceof DataError && /nope: cannot read the UnityEyes folder \(ENOENT\)$/.test(e.message));
  fs.writeFileSync(path.join(dir, '1.jpg'), Buffer.from('x'));
  await assert.rejects(loadUnityEyes(dir, undefined, { warn: () => {} }), (e: unknown) => e instanceof DataError && e.message.startsWith(`${dir}: no usable UnityEyes renders in ${dir} (skipped 1 of 1`));
});
