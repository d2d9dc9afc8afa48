import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../src/data/errors';
import { getField, getNumeric, matAt, matString, matStrings, readMat, toRowMajor, type MatNumeric } from '../src/data/matlab';
import { columnMajor, matHeader, writeMat, type WValue } from './mat-writer';

const FILE = '/data/p00/day01.mat';
const nums = (d: ArrayLike<number | bigint>) => Array.from(d, Number);

/** An MPIIGaze-like `data` struct: data.left/right each with image N×H×W uint8, gaze N×3, pose N×3. */
function mpiiLike(n: number, h: number, w: number): Record<string, WValue> {
  const eye = (offset: number): WValue => ({
    kind: 'struct',
    fields: ['gaze', 'image', 'pose'],
    elements: [
      {
        gaze: { kind: 'numeric', class: 'double', dims: [n, 3], data: columnMajor([n, 3], (i, j) => offset + i * 10 + j + 0.5) },
        image: { kind: 'numeric', class: 'uint8', dims: [n, h, w], data: columnMajor([n, h, w], (i, y, x) => (offset + i * 50 + y * w + x) % 256) },
        pose: { kind: 'numeric', class: 'double', dims: [n, 3], data: columnMajor([n, 3], () => 0) },
      },
    ],
  });
  return {
    data: { kind: 'struct', fields: ['left', 'right'], elements: [{ left: eye(0), right: eye(100) }] },
    filenames: { kind: 'cell', dims: [n, 1], items: Array.from({ length: n }, (_, i) => ({ kind: 'char', rows: [`day01/000${i}.jpg`] }) as WValue) },
  };
}

for (const compress of [false, true]) {
  for (const bigEndian of [false, true]) {
    test(`readMat round-trips numeric arrays column-major (compress=${compress}, bigEndian=${bigEndian})`, () => {
      const m23 = columnMajor([2, 3], (i, j) => 10 * i + j); // A(i,j) = 10i + j
      const buf = writeMat({ A: { kind: 'numeric', class: 'double', dims: [2, 3], data: m23 } }, { compress, bigEndian });
      const A = readMat(buf, FILE).A as MatNumeric;
      assert.equal(A.kind, 'numeric');
      assert.equal(A.class, 'double');
      assert.deepEqual(A.dims, [2, 3]);
      assert.ok(A.data instanceof Float64Array);
      assert.deepEqual(nums(A.data), [0, 10, 1, 11, 2, 12]); // as stored: first index fastest
      assert.equal(matAt(A, 1, 2), 12);
      assert.equal(matAt(A, 0, 1), 1);
      assert.deepEqual(nums(toRowMajor(A)), [0, 1, 2, 10, 11, 12]);
    });
  }
}

test('every numeric class comes back as its own typed array, whatever mi type stored it', () => {
  const vars: Record<string, WValue> = {
    dbl_in_u8: { kind: 'numeric', class: 'double', dims: [1, 3], data: [1, 2, 250], storeAs: 'uint8' }, // what MATLAB does for small integers
    sgl: { kind: 'numeric', class: 'single', dims: [1, 2], data: [0.5, -1.25] },
    i8: { kind: 'numeric', class: 'int8', dims: [1, 2], data: [-128, 127] },
    i16_in_i8: { kind: 'numeric', class: 'int16', dims: [1, 2], data: [-5, 7], storeAs: 'int8' },
    u16: { kind: 'numeric', class: 'uint16', dims: [1, 2], data: [0, 65535] },
    i32: { kind: 'numeric', class: 'int32', dims: [1, 2], data: [-2147483648, 5] },
    u32_in_u16: { kind: 'numeric', class: 'uint32', dims: [1, 2], data: [1, 65000], storeAs: 'uint16' },
    i64: { kind: 'numeric', class: 'int64', dims: [1, 2], data: [-3, 2 ** 40] },
    u64_in_u8: { kind: 'numeric', class: 'uint64', dims: [1, 2], data: [3, 200], storeAs: 'uint8' },
    dbl_in_i64: { kind: 'numeric', class: 'double', dims: [1, 1], data: [-9], storeAs: 'int64' },
    z: { kind: 'numeric', class: 'double', dims: [1, 2], data: [1, 2], imag: [3, -4] },
    mask: { kind: 'logical', dims: [2, 2], data: [1, 0, 0, 1] },
  };
  for (const compress of [false, true]) {
    const f = readMat(writeMat(vars, { compress }), FILE);
    const num = (k: string) => f[k] as MatNumeric;
    assert.ok(num('dbl_in_u8').data instanceof Float64Array);
    assert.deepEqual(nums(num('dbl_in_u8').data), [1, 2, 250]);
    assert.ok(num('sgl').data instanceof Float32Array);
    assert.deepEqual(nums(num('sgl').data), [0.5, -1.25]);
    assert.deepEqual(Array.from(num('i8').data as Int8Array), [-128, 127]);
    assert.ok(num('i16_in_i8').data instanceof Int16Array);
    assert.deepEqual(Array.from(num('i16_in_i8').data as Int16Array), [-5, 7]);
    assert.deepEqual(Array.from(num('u16').data as Uint16Array), [0, 65535]);
    assert.deepEqual(Array.from(num('i32').data as Int32Array), [-2147483648, 5]);
    assert.ok(num('u32_in_u16').data instanceof Uint32Array);
    assert.deepEqual(Array.from(num('u32_in_u16').data as Uint32Array), [1, 65000]);
    assert.deepEqual(Array.from(num('i64').data as BigInt64Array), [-3n, 2n ** 40n]);
    assert.ok(num('u64_in_u8').data instanceof BigUint64Array);
    assert.deepEqual(Array.from(num('u64_in_u8').data as BigUint64Array), [3n, 200n]);
    assert.deepEqual(nums(num('dbl_in_i64').data), [-9]);
    assert.deepEqual(nums(num('z').data), [1, 2]);
    assert.deepEqual(nums(num('z').imag!), [3, -4]);
    assert.equal(f.mask.kind, 'logical');
    assert.deepEqual(Array.from(f.mask.data as Uint8Array), [1, 0, 0, 1]);
    assert.equal(f.u16.kind, 'numeric');
  }
});

test('small data elements (≤ 4 bytes: short names, scalars) are read', () => {
  const stats = { small: 0 };
  const buf = writeMat({ a: { kind: 'numeric', class: 'uint8', dims: [1, 1], data: [42] }, xy: { kind: 'numeric', class: 'int16', dims: [1, 2], data: [-1, 300] } }, { stats });
  assert.ok(stats.small >= 4, `the writer used the small form (${stats.small} times)`);
  const f = readMat(buf, FILE);
  assert.deepEqual(Object.keys(f).sort(), ['a', 'xy']);
  assert.equal(matAt(f.a as MatNumeric, 0, 0), 42);
  assert.deepEqual(Array.from((f.xy as MatNumeric).data as Int16Array), [-1, 300]);
});

test('char arrays: a string, and a multi-row array stored column-major', () => {
  const f = readMat(writeMat({ s: { kind: 'char', rows: ['hello'] }, two: { kind: 'char', rows: ['abc', 'xyz'] } }, { compress: true }), FILE);
  assert.equal(f.s.kind, 'char');
  if (f.s.kind !== 'char' || f.two.kind !== 'char') return;
  assert.equal(matString(f.s), 'hello');
  assert.deepEqual(f.two.dims, [2, 3]);
  assert.equal(String.fromCharCode(...f.two.data), 'axbycz');
  assert.deepEqual(matStrings(f.two), ['abc', 'xyz']);
});

test('an N×H×W uint8 stack becomes row-major images back to back', () => {
  const [n, h, w] = [3, 4, 5];
  const f = readMat(writeMat({ im: { kind: 'numeric', class: 'uint8', dims: [n, h, w], data: columnMajor([n, h, w], (i, y, x) => i * 40 + y * 5 + x) } }), FILE);
  const im = f.im as MatNumeric;
  assert.equal(matAt(im, 2, 3, 4), 2 * 40 + 3 * 5 + 4);
  const rows = toRowMajor(im);
  assert.ok(rows instanceof Uint8Array);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(rows[(i * h + y) * w + x], i * 40 + y * 5 + x);
});

for (const compress of [false, true]) {
  test(`a struct nested two deep like MPIIGaze's (compress=${compress}) and a cell of strings`, () => {
    const f = readMat(writeMat(mpiiLike(3, 6, 10), { compress }), FILE);
    assert.deepEqual(Object.keys(f).sort(), ['data', 'filenames']);
    const image = getNumeric(f, 'data.left.image', FILE, 3);
    assert.equal(image.class, 'uint8');
    assert.deepEqual(image.dims, [3, 6, 10]);
    assert.equal(matAt(image, 2, 5, 9), (2 * 50 + 5 * 10 + 9) % 256);
    const gazeR = getNumeric(f, 'data.right.gaze', FILE, 2);
    assert.equal(matAt(gazeR, 1, 2), 100 + 10 + 2 + 0.5);
    const left = getField(f, 'data.left', FILE);
    assert.equal(left.kind, 'struct');
    assert.deepEqual(getNumeric(left, 'gaze', FILE).dims, [3, 3]);
    const names = f.filenames;
    assert.equal(names.kind, 'cell');
    if (names.kind !== 'cell') return;
    assert.deepEqual(names.dims, [3, 1]);
    assert.deepEqual(names.data.map((c) => (c.kind === 'char' ? matString(c) : '?')), ['day01/0000.jpg', 'day01/0001.jpg', 'day01/0002.jpg']);
  });
}

test('struct arrays keep one record per element; getField refuses to guess which element', () => {
  const s: WValue = {
    kind: 'struct',
    dims: [1, 2],
    fields: ['v'],
    elements: [{ v: { kind: 'numeric', class: 'double', dims: [1, 1], data: [1] } }, { v: { kind: 'numeric', class: 'double', dims: [1, 1], data: [2] } }],
  };
  const f = readMat(writeMat({ s }), FILE);
  assert.equal(f.s.kind, 'struct');
  if (f.s.kind !== 'struct') return;
  assert.deepEqual(f.s.elements.map((e) => matAt(e.v as MatNumeric, 0, 0)), [1, 2]);
  assert.throws(() => getField(f, 's.v', FILE), /day01\.mat: expected 's\.v', but 's' is a 1×2 struct array/);
});

test('getField names the file and the missing field path', () => {
  const vars = mpiiLike(2, 3, 4);
  const data = vars.data as Extract<WValue, { kind: 'struct' }>;
  const left = data.elements[0].left as Extract<WValue, { kind: 'struct' }>;
  left.fields = ['image', 'pose']; // no gaze
  const f = readMat(writeMat(vars), FILE);
  assert.throws(
    () => getField(f, 'data.left.gaze', FILE),
    (e: unknown) => e instanceof DataError && e.message === `${FILE}: expected 'data.left.gaze', but 'data.left' has no field 'gaze' (fields: image, pose)`,
  );
  assert.throws(() => getField(f, 'dta.left', FILE), /day01\.mat: expected 'dta\.left', but there is no variable 'dta' \(variables: data, filenames\)/);
  assert.throws(() => getField(f, 'data.left.image.x', FILE), /'data\.left\.image' is a 2×3×4 numeric, not a struct/);
  assert.throws(() => getNumeric(f, 'filenames', FILE), /'filenames' should be a numeric array but is a 2×1 cell/);
  assert.throws(() => getNumeric(f, 'data.left.pose', FILE, 3), /'data\.left\.pose' should have 3 dimensions but is 2×3/);
});

test('bad files: truncated, not a MAT-file, v7.3, corrupt zlib — each a DataError naming the file', () => {
  const good = writeMat(mpiiLike(2, 3, 4));
  assert.throws(() => readMat(good.subarray(0, good.length - 20), FILE), (e: unknown) => e instanceof DataError && /^\/data\/p00\/day01\.mat: truncated: /.test(e.message));
  assert.throws(() => readMat(good.subarray(0, 100), FILE), /day01\.mat: not a MAT-file: 100 bytes/);
  assert.throws(() => readMat(Buffer.concat([Buffer.from('PK'), good.subarray(2)]), FILE), /day01\.mat: not a MAT-file: the header does not start with 'MATLAB 5\.0 MAT-file'/);
  assert.throws(() => readMat(matHeader(true, 'MATLAB 7.3 MAT-file, Platform: GLNXA64'), FILE), /day01\.mat: a MAT v7\.3 \(HDF5\) file/);
  const badEndian = Buffer.from(good);
  badEndian.write('XX', 126, 'latin1');
  assert.throws(() => readMat(badEndian, FILE), /endian indicator 'XX', expected 'IM' or 'MI'/);
  const z = Buffer.from(writeMat(mpiiLike(2, 3, 4), { compress: true }));
  for (let i = 140; i < 160; i++) z[i] ^= 0xff;
  assert.throws(() => readMat(z, FILE), (e: unknown) => e instanceof DataError && e.message.startsWith(`${FILE}: corrupt compressed variable`));
  const zt = writeMat(mpiiLike(2, 3, 4), { compress: true });
  assert.throws(() => readMat(zt.subarray(0, zt.length - 10), FILE), /day01\.mat: truncated: variable at byte \d+ needs \d+ bytes of data/);
});

/**
 * An independent writer's output: scipy.io.savemat(..., do_compression=True) (scipy 1.17) of
 * {'data': {'left': {'image': arange(24, uint8).reshape(2,3,4), 'gaze': [[0.1,-0.2,-0.97],[0.3,0.1,-0.95]],
 * 'pose': zeros((2,3))}, 'right': {image flipped left-right, gaze negated, pose ones}}, 'filenames': 2×1
 * cell of strings, 'i64': int64 [[-5, 2**40]], 'b': [[True, False]], 's': 'hi'}.
 */
const SCIPY_MAT = Buffer.from(
  'TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IEZyaSBOb3YgMjcgMjE6MjE6MzIgMjAyNgAAAAAAAAAAAAAAAAAAAAAA' +
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0PAAAA4wAAAHic42NgYPBgZmBgA9IcQMzEAAGsUD4jHLMwpCSWJLICaTaoGA8Q56SmlTAw' +
  'FGWmZ5SA9fEBcQUjMebBxBHmCQFxZm5ieipDemJVKgNDQX5xKlQZ2NwABoS5nEjm8kDtAXoDaBoEwMwHiUuAGDwsAhwijLysgpyiTHxsQlxizPzswtziIHMT' +
  'kMxlQ3MvzFyYeSB7DYB41kwQ2GlvDAaX7SH8k/th4lzXFxfYcr3fnwYG7/aTaw+pYLCGPyS0ISEPiQVIjFAY/vuh4Q8N95P2MHFo+NtDw9+esvD/YE8sDQAb' +
  'yFEVDwAAAFAAAAB4nONjYGA4AcRsQMwBxIwMEMAK5TNBxUCYE4jTMnNS8xJzU4uh6viA2AFJPwuafkaoGpi5AlB+SmKlgaG+gYGBoV5WQToVzDGCmAMA4fUN' +
  '5w8AAAAyAAAAeJzjY2BgcABiNiDmAGI+BghghfIZgZgJTDMzZJqZMPAA2QJA/Ps/BIAVAxUBAJsXCWMPAAAAJwAAAHic42NgYDAAYjYg5gBiTiYGMGCF8hmB' +
  'mAlMMzIkgdlMYDEAF9QA0Q8AAAAqAAAAeJzjY2BgMABiNiDmAGIWBghghfIZgZgJTDMyFANpASAvI5OBAQAa0QG5',
  'base64',
);

test('reads a file written by scipy.io.savemat (compressed, nested structs, cell, int64, logical, char)', () => {
  const where = 'scipy.mat';
  const f = readMat(SCIPY_MAT, where);
  const image = getNumeric(f, 'data.left.image', where, 3);
  assert.equal(image.class, 'uint8');
  assert.deepEqual(image.dims, [2, 3, 4]);
  assert.deepEqual(nums(toRowMajor(image)), Array.from({ length: 24 }, (_, i) => i)); // numpy's C order
  assert.equal(matAt(image, 1, 2, 3), 23);
  assert.deepEqual(nums(toRowMajor(getNumeric(f, 'data.left.gaze', where, 2))), [0.1, -0.2, -0.97, 0.3, 0.1, -0.95]);
  assert.deepEqual(nums(toRowMajor(getNumeric(f, 'data.right.image', where, 3))).slice(0, 4), [3, 2, 1, 0]);
  assert.deepEqual(nums(getNumeric(f, 'data.right.pose', where).data), [1, 1, 1, 1, 1, 1]);
  const names = f.filenames;
  assert.ok(names.kind === 'cell');
  assert.deepEqual(names.data.map((c) => (c.kind === 'char' ? matString(c) : '?')), ['day01/0001.jpg', 'day01/0002.jpg']);
  assert.deepEqual(nums(getNumeric(f, 'i64', where).data), [-5, 2 ** 40]);
  assert.equal(f.b.kind, 'logical');
  assert.ok(f.s.kind === 'char' && matString(f.s) === 'hi');
});
