/**
 * A minimal reader for MATLAB v5/v7 .mat files (the format of MPIIGaze's normalized data), without a
 * dependency. v7.3 files are HDF5 and are rejected with a message saying so.
 *
 * Supported: either byte order ('IM' little-endian, 'MI' big-endian); miCOMPRESSED (zlib) top-level elements;
 * the 4-byte "small data element" form; miMATRIX of class numeric (double, single, int8…uint64, complex too),
 * char, logical, struct (arrays of them too) and cell. Not supported (a `DataError` naming the variable):
 * sparse, objects, function handles.
 *
 * MATLAB stores arrays column-major (the first index varies fastest). Values keep `dims` and `data` exactly
 * as stored — so nothing is copied twice for large image stacks — and `matAt` / `toRowMajor` translate.
 * Numeric data may be stored in a smaller mi type than its class (MATLAB writes a double array of small
 * integers as miUINT8); it is always converted to the typed array of the class.
 */
import { inflateSync } from 'node:zlib';
import { DataError } from './errors';

export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export type MatNumericData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface MatNumeric {
  kind: 'numeric';
  class: MatNumericClass;
  dims: number[];
  /** Column-major, the typed array of `class` (BigInt64Array/BigUint64Array for int64/uint64). */
  data: MatNumericData;
  /** The imaginary part of a complex array. */
  imag?: MatNumericData;
}

export interface MatLogical {
  kind: 'logical';
  dims: number[];
  /** Column-major 0/1. */
  data: Uint8Array;
}

export interface MatChar {
  kind: 'char';
  dims: number[];
  /** Column-major UTF-16 code units; `matString` / `matStrings` give text. */
  data: Uint16Array;
}

export interface MatStruct {
  kind: 'struct';
  dims: number[];
  fieldNames: string[];
  /** One record per struct element, column-major. */
  elements: Record<string, MatValue>[];
}

export interface MatCell {
  kind: 'cell';
  dims: number[];
  /** Column-major. */
  data: MatValue[];
}

export type MatValue = MatNumeric | MatLogical | MatChar | MatStruct | MatCell;

/** A file's variables by name. */
export type MatFile = Record<string, MatValue>;

// ---- mi data types and mx classes (MATLAB "MAT-File Format", tables 1-3 and 1-4) ------------------------

const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

type NumericCtor = { new (buf: ArrayBuffer): MatNumericData; BYTES_PER_ELEMENT: number };

const MI_ARRAY: Record<number, NumericCtor> = {
  [MI.INT8]: Int8Array,
  [MI.UINT8]: Uint8Array,
  [MI.INT16]: Int16Array,
  [MI.UINT16]: Uint16Array,
  [MI.INT32]: Int32Array,
  [MI.UINT32]: Uint32Array,
  [MI.SINGLE]: Float32Array,
  [MI.DOUBLE]: Float64Array,
  [MI.INT64]: BigInt64Array,
  [MI.UINT64]: BigUint64Array,
  [MI.UTF8]: Uint8Array,
  [MI.UTF16]: Uint16Array,
  [MI.UTF32]: Uint32Array,
};

const MX_NUMERIC: Record<number, MatNumericClass> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

const MX_CELL = 1, MX_STRUCT = 2, MX_OBJECT = 3, MX_CHAR = 4, MX_SPARSE = 5;

const CLASS_ARRAY: Record<MatNumericClass, NumericCtor> = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

// ---- low-level reading ---------------------------------------------------------------------------------

interface Ctx {
  /** The file name, for errors. */
  where: string;
  le: boolean;
}

interface Element {
  type: number;
  data: Buffer;
  /** Offset of the next element in the same buffer. */
  next: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * One data element at `offset` of `buf`. `padded`: whether the element is followed by padding to 8 bytes
 * (true inside a matrix; top-level miMATRIX lengths are already multiples of 8 and miCOMPRESSED is unpadded).
 */
function readElement(buf: Buffer, offset: number, ctx: Ctx, what: string): Element {
  if (offset + 8 > buf.length) throw new DataError(ctx.where, `truncated: ${what} at byte ${offset} needs an 8-byte tag, the data ends at ${buf.length}`);
  const word = ctx.le ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
  const small = word >>> 16;
  if (small !== 0) {
    // Small data element: type and size share the first word, up to 4 bytes of data in the second.
    if (small > 4) throw new DataError(ctx.where, `corrupt: ${what} at byte ${offset} claims ${small} bytes in a small element (at most 4)`);
    return { type: word & 0xffff, data: buf.subarray(offset + 4, offset + 4 + small), next: offset + 8 };
  }
  const nbytes = ctx.le ? buf.readUInt32LE(offset + 4) : buf.readUInt32BE(offset + 4);
  const start = offset + 8;
  if (start + nbytes > buf.length) {
    throw new DataError(ctx.where, `truncated: ${what} at byte ${offset} needs ${nbytes} bytes of data, only ${buf.length - start} remain`);
  }
  const next = word === MI.COMPRESSED ? start + nbytes : Math.min(buf.length, start + pad8(nbytes));
  return { type: word, data: buf.subarray(start, start + nbytes), next };
}

/** The bytes of one element as a typed array of its mi type (copied: the file's bytes are not aligned). */
function miArray(el: Element, ctx: Ctx, what: string): MatNumericData {
  const Ctor = MI_ARRAY[el.type];
  if (!Ctor) throw new DataError(ctx.where, `${what}: mi type ${el.type} is not a numeric type`);
  const size = Ctor.BYTES_PER_ELEMENT;
  if (el.data.length % size !== 0) throw new DataError(ctx.where, `${what}: ${el.data.length} bytes are not a whole number of ${size}-byte values`);
  const bytes = new Uint8Array(el.data); // aligned copy
  if (!ctx.le && size > 1) {
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  return new Ctor(bytes.buffer);
}

/** Convert values of any mi type to the class's typed array (MATLAB narrows the storage type of integers). */
function toClass(src: MatNumericData, cls: MatNumericClass): MatNumericData {
  const Ctor = CLASS_ARRAY[cls];
  if (src instanceof Ctor) return src;
  const srcBig = src instanceof BigInt64Array || src instanceof BigUint64Array;
  const dstBig = cls === 'int64' || cls === 'uint64';
  if (dstBig && !srcBig) return cls === 'int64' ? BigInt64Array.from(src as ArrayLike<number>, (x) => BigInt(x)) : BigUint64Array.from(src as ArrayLike<number>, (x) => BigInt(x));
  if (!dstBig && srcBig) {
    const out = new Ctor(new ArrayBuffer(src.length * Ctor.BYTES_PER_ELEMENT)) as Exclude<MatNumericData, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
    return out;
  }
  if (dstBig && srcBig) return cls === 'int64' ? BigInt64Array.from(src as BigUint64Array) : BigUint64Array.from(src as BigInt64Array);
  // Typed-array construction from another typed array converts value by value.
  return new (Ctor as unknown as { new (a: ArrayLike<number>): MatNumericData })(src as ArrayLike<number>);
}

function int32s(el: Element, ctx: Ctx, what: string): number[] {
  const a = miArray(el, ctx, what);
  return Array.from(a as ArrayLike<number | bigint>, Number);
}

/** NUL-padded 8-bit text (array and field names). */
function latin1(bytes: Buffer): string {
  const s = bytes.toString('latin1');
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** A value from a miMATRIX element's data; `name` receives the array name (empty inside structs/cells). */
function parseMatrix(data: Buffer, ctx: Ctx, path: string): { name: string; value: MatValue } {
  if (data.length === 0) return { name: '', value: { kind: 'numeric', class: 'double', dims: [0, 0], data: new Float64Array(0) } };
  let off = 0;
  const next = (what: string): Element => {
    const el = readElement(data, off, ctx, `${path}: ${what}`);
    off = el.next;
    return el;
  };
  const flagsEl = next('array flags');
  const flags = miArray(flagsEl, ctx, `${path}: array flags`);
  const word = Number(flags[0]);
  const mx = word & 0xff;
  const complex = (word & 0x800) !== 0, logical = (word & 0x200) !== 0;
  const dims = int32s(next('dimensions'), ctx, `${path}: dimensions`);
  const name = latin1(next('array name').data);
  const at = path === '' ? name : path;
  const n = count(dims);

  if (MX_NUMERIC[mx]) {
    const cls = MX_NUMERIC[mx];
    const real = toClass(miArray(next('real part'), ctx, `${at}: real part`), cls);
    if (real.length !== n) throw new DataError(ctx.where, `${at}: ${real.length} values for dimensions ${dims.join('×')}`);
    if (logical) return { name, value: { kind: 'logical', dims, data: Uint8Array.from(real as ArrayLike<number>, (x) => (x ? 1 : 0)) } };
    const value: MatNumeric = { kind: 'numeric', class: cls, dims, data: real };
    if (complex) value.imag = toClass(miArray(next('imaginary part'), ctx, `${at}: imaginary part`), cls);
    return { name, value };
  }
  if (mx === MX_CHAR) {
    const el = next('characters');
    const units = charUnits(el, ctx, at);
    if (units.length !== n) throw new DataError(ctx.where, `${at}: ${units.length} characters for dimensions ${dims.join('×')}`);
    return { name, value: { kind: 'char', dims, data: units } };
  }
  if (mx === MX_CELL) {
    const items: MatValue[] = [];
    for (let i = 0; i < n; i++) items.push(parseSub(next(`cell element ${i + 1}`), ctx, `${at}{${i + 1}}`));
    return { name, value: { kind: 'cell', dims, data: items } };
  }
  if (mx === MX_STRUCT) {
    const len = int32s(next('field name length'), ctx, `${at}: field name length`)[0];
    const namesEl = next('field names');
    const fieldNames: string[] = [];
    for (let o = 0; len > 0 && o + len <= namesEl.data.length; o += len) fieldNames.push(latin1(namesEl.data.subarray(o, o + len)));
    const elements: Record<string, MatValue>[] = [];
    for (let i = 0; i < n; i++) {
      const rec: Record<string, MatValue> = {};
      const prefix = n === 1 ? at : `${at}(${i + 1})`;
      for (const f of fieldNames) rec[f] = parseSub(next(`field ${f}`), ctx, `${prefix}.${f}`);
      elements.push(rec);
    }
    return { name, value: { kind: 'struct', dims, fieldNames, elements } };
  }
  const kind = mx === MX_SPARSE ? 'sparse arrays' : mx === MX_OBJECT ? 'objects' : `arrays of class ${mx}`;
  throw new DataError(ctx.where, `${at || 'a variable'}: ${kind} are not supported`);
}

function parseSub(el: Element, ctx: Ctx, path: string): MatValue {
  if (el.type !== MI.MATRIX) throw new DataError(ctx.where, `${path}: expected a miMATRIX element, found mi type ${el.type}`);
  return parseMatrix(el.data, ctx, path).value;
}

function charUnits(el: Element, ctx: Ctx, at: string): Uint16Array {
  if (el.type === MI.UTF8) {
    const s = el.data.toString('utf8');
    return Uint16Array.from(s, (c) => c.charCodeAt(0));
  }
  if (el.type === MI.UTF32) {
    const cps = miArray(el, ctx, at) as Uint32Array;
    const s = String.fromCodePoint(...cps);
    return Uint16Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  }
  const a = miArray(el, ctx, at);
  return Uint16Array.from(a as ArrayLike<number>);
}

// ---- public API ----------------------------------------------------------------------------------------

/**
 * All named variables of a MAT v5/v7 file. `where` names the file in errors (truncation, corruption,
 * unsupported content).
 */
export function readMat(buf: Buffer, where: string): MatFile {
  if (buf.length < 128) throw new DataError(where, `not a MAT-file: ${buf.length} bytes, shorter than the 128-byte header`);
  const text = buf.subarray(0, 116).toString('latin1');
  if (text.startsWith('MATLAB 7.3 MAT-file')) {
    throw new DataError(where, `a MAT v7.3 (HDF5) file, which this reader does not support; re-save it in MATLAB with save(..., '-v7')`);
  }
  if (!text.startsWith('MATLAB 5.0 MAT-file')) throw new DataError(where, `not a MAT-file: the header does not start with 'MATLAB 5.0 MAT-file'`);
  const endian = buf.subarray(126, 128).toString('latin1');
  if (endian !== 'IM' && endian !== 'MI') throw new DataError(where, `not a MAT-file: endian indicator '${endian}', expected 'IM' or 'MI'`);
  const ctx: Ctx = { where, le: endian === 'IM' };
  const out: MatFile = {};
  let off = 128;
  while (off < buf.length) {
    let el = readElement(buf, off, ctx, 'variable');
    off = el.next;
    if (el.type === MI.COMPRESSED) {
      let inflated: Buffer;
      try {
        inflated = inflateSync(el.data);
      } catch (e) {
        throw new DataError(where, `corrupt compressed variable at byte ${off - el.data.length - 8}: ${(e as Error).message}`);
      }
      el = readElement(inflated, 0, ctx, 'compressed variable');
    }
    if (el.type !== MI.MATRIX) continue; // nothing else is a variable
    const { name, value } = parseMatrix(el.data, ctx, '');
    if (name) out[name] = value; // unnamed matrices are subsystem data, not variables
  }
  return out;
}

function isMatValue(x: unknown): x is MatValue {
  return typeof x === 'object' && x !== null && typeof (x as MatValue).kind === 'string' && Array.isArray((x as MatValue).dims);
}

export const dimsText = (dims: number[]) => dims.join('×');

/**
 * The value at a dotted path, e.g. `getField(file, 'data.left.image', file)`: the first segment is a
 * variable when `root` is a whole file, each further one a field of a single (1×1) struct. Errors name
 * `where` (the file), the full path expected and what was found instead.
 */
export function getField(root: MatValue | MatFile, fieldPath: string, where: string): MatValue {
  const parts = fieldPath.split('.');
  let cur: MatValue | MatFile = root;
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i];
    const sofar = parts.slice(0, i).join('.');
    let rec: Record<string, MatValue>;
    if (!isMatValue(cur)) {
      rec = cur;
      if (!(seg in rec)) throw new DataError(where, `expected '${fieldPath}', but there is no variable '${seg}' (variables: ${Object.keys(rec).join(', ') || 'none'})`);
    } else {
      if (cur.kind !== 'struct') throw new DataError(where, `expected '${fieldPath}', but '${sofar}' is a ${dimsText(cur.dims)} ${cur.kind}, not a struct`);
      if (cur.elements.length !== 1) throw new DataError(where, `expected '${fieldPath}', but '${sofar}' is a ${dimsText(cur.dims)} struct array, not a single struct`);
      rec = cur.elements[0];
      if (!(seg in rec)) throw new DataError(where, `expected '${fieldPath}', but '${sofar}' has no field '${seg}' (fields: ${cur.fieldNames.join(', ') || 'none'})`);
    }
    cur = rec[seg];
  }
  if (!isMatValue(cur)) throw new DataError(where, `'${fieldPath}' is empty`);
  return cur;
}

/** `getField` that also requires a numeric array with `ndims` dimensions (when given). */
export function getNumeric(root: MatValue | MatFile, fieldPath: string, where: string, ndims?: number): MatNumeric {
  const v = getField(root, fieldPath, where);
  if (v.kind !== 'numeric') throw new DataError(where, `'${fieldPath}' should be a numeric array but is a ${dimsText(v.dims)} ${v.kind}`);
  if (ndims !== undefined && v.dims.length !== ndims) throw new DataError(where, `'${fieldPath}' should have ${ndims} dimensions but is ${dimsText(v.dims)}`);
  return v;
}

/** Column-major linear index of a subscript (0-based). */
export function columnMajorIndex(dims: number[], idx: number[]): number {
  if (idx.length !== dims.length) throw new RangeError(`${idx.length} subscripts for a ${dimsText(dims)} array`);
  let lin = 0, stride = 1;
  for (let k = 0; k < dims.length; k++) {
    if (!(idx[k] >= 0 && idx[k] < dims[k])) throw new RangeError(`subscript ${idx.join(',')} outside ${dimsText(dims)}`);
    lin += idx[k] * stride;
    stride *= dims[k];
  }
  return lin;
}

/** Element (i, j, k, …) of an array, 0-based (MATLAB's A(i+1, j+1, k+1)). */
export function matAt(v: MatNumeric | MatLogical | MatChar, ...idx: number[]): number | bigint {
  return v.data[columnMajorIndex(v.dims, idx)];
}

/**
 * The data reordered row-major (the last index fastest), same dims. For an N×H×W image stack this is N
 * images back to back, each H rows of W pixels — the layout `ArrayImageDataset` wants.
 */
export function toRowMajor<T extends MatNumericData | Uint8Array | Uint16Array>(v: { dims: number[]; data: T }): T {
  const { dims, data } = v;
  const n = count(dims);
  const out = new (data.constructor as { new (n: number): T })(n);
  const nd = dims.length;
  // Column-major strides, walked in row-major order with an odometer (no per-element division).
  const strides: number[] = [];
  for (let k = 0, s = 1; k < nd; k++) {
    strides.push(s);
    s *= dims[k];
  }
  const sub = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = data[src];
    for (let k = nd - 1; k >= 0; k--) {
      sub[k]++;
      src += strides[k];
      if (sub[k] < dims[k]) break;
      src -= strides[k] * dims[k];
      sub[k] = 0;
    }
  }
  return out;
}

/** The rows of a char array as strings (a 1×n char array is one string). */
export function matStrings(v: MatChar): string[] {
  const [rows, cols] = [v.dims[0] ?? 0, count(v.dims.slice(1))];
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => String.fromCharCode(v.data[r + c * rows])).join(''));
}

/** A char row vector (or any char array, rows joined by newlines) as a string. */
export function matString(v: MatChar): string {
  return matStrings(v).join('\n');
}
