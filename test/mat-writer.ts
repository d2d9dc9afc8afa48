/**
 * A small MAT v5 writer for tests of the reader (src/data/matlab.ts): independent of the reader's code, it
 * writes what MATLAB writes — 128-byte header, miMATRIX elements (optionally each wrapped in miCOMPRESSED),
 * the small-element form whenever data fits in 4 bytes, numeric data in a chosen mi type, either byte order.
 * Array data is given column-major, as MATLAB stores it.
 */
import { deflateSync } from 'node:zlib';
import type { MatNumericClass } from '../src/data/matlab';

export type MiName = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'single' | 'double' | 'int64' | 'uint64';

export type WValue =
  | {
      kind: 'numeric';
      class: MatNumericClass;
      dims: number[];
      /** Column-major. */
      data: ArrayLike<number>;
      /** The mi type the data is stored in (default: the class's own). */
      storeAs?: MiName;
      imag?: ArrayLike<number>;
    }
  | { kind: 'logical'; dims: number[]; data: ArrayLike<number> }
  /** A char array of equal-length rows (one row: a 1×n string). */
  | { kind: 'char'; rows: string[] }
  /** A struct array; one element: a 1×1 struct. */
  | { kind: 'struct'; dims?: number[]; fields: string[]; elements: Record<string, WValue>[] }
  | { kind: 'cell'; dims: number[]; items: WValue[] };

export interface WriteOptions {
  compress?: boolean;
  bigEndian?: boolean;
  /** Filled in: how many elements were written in the small (4-byte) form. */
  stats?: { small: number };
}

const MI: Record<MiName | 'matrix' | 'compressed' | 'utf16', number> = {
  int8: 1, uint8: 2, int16: 3, uint16: 4, int32: 5, uint32: 6, single: 7, double: 9, int64: 12, uint64: 13, matrix: 14, compressed: 15, utf16: 17,
};
const SIZE: Record<MiName, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, single: 4, double: 8, int64: 8, uint64: 8 };
const MX: Record<MatNumericClass | 'cell' | 'struct' | 'char', number> = {
  cell: 1, struct: 2, char: 4, double: 6, single: 7, int8: 8, uint8: 9, int16: 10, uint16: 11, int32: 12, uint32: 13, int64: 14, uint64: 15,
};

class Writer {
  constructor(private readonly le: boolean, private readonly stats?: { small: number }) {}

  numbers(type: MiName, values: ArrayLike<number>): Buffer {
    const size = SIZE[type];
    const b = Buffer.alloc(values.length * size);
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i], o = i * size;
      switch (type) {
        case 'int8': dv.setInt8(o, v); break;
        case 'uint8': dv.setUint8(o, v); break;
        case 'int16': dv.setInt16(o, v, this.le); break;
        case 'uint16': dv.setUint16(o, v, this.le); break;
        case 'int32': dv.setInt32(o, v, this.le); break;
        case 'uint32': dv.setUint32(o, v, this.le); break;
        case 'single': dv.setFloat32(o, v, this.le); break;
        case 'double': dv.setFloat64(o, v, this.le); break;
        case 'int64': dv.setBigInt64(o, BigInt(v), this.le); break;
        case 'uint64': dv.setBigUint64(o, BigInt(v), this.le); break;
      }
    }
    return b;
  }

  u32(a: number, b: number): Buffer {
    const out = Buffer.alloc(8);
    if (this.le) {
      out.writeUInt32LE(a >>> 0, 0);
      out.writeUInt32LE(b >>> 0, 4);
    } else {
      out.writeUInt32BE(a >>> 0, 0);
      out.writeUInt32BE(b >>> 0, 4);
    }
    return out;
  }

  /** A data element: small form when the data fits in 4 bytes (as MATLAB does), else tag + data + padding. */
  element(type: number, data: Buffer, allowSmall = true): Buffer {
    if (allowSmall && data.length <= 4 && data.length > 0) {
      if (this.stats) this.stats.small++;
      const word = Buffer.alloc(4);
      if (this.le) word.writeUInt32LE(((data.length << 16) | type) >>> 0, 0);
      else word.writeUInt32BE(((data.length << 16) | type) >>> 0, 0);
      return Buffer.concat([word, data, Buffer.alloc(4 - data.length)]);
    }
    const pad = (8 - (data.length % 8)) % 8;
    return Buffer.concat([this.u32(type, data.length), data, Buffer.alloc(pad)]);
  }

  matrix(v: WValue, name: string): Buffer {
    const parts: Buffer[] = [];
    const header = (mx: number, dims: number[], flags = 0) => {
      parts.push(this.element(MI.uint32, this.numbers('uint32', [mx | (flags << 8), 0])));
      parts.push(this.element(MI.int32, this.numbers('int32', dims)));
      parts.push(this.element(MI.int8, Buffer.from(name, 'latin1')));
    };
    switch (v.kind) {
      case 'numeric': {
        const store = v.storeAs ?? (v.class as MiName);
        header(MX[v.class], v.dims, v.imag ? 0x08 : 0);
        parts.push(this.element(MI[store], this.numbers(store, v.data)));
        if (v.imag) parts.push(this.element(MI[store], this.numbers(store, v.imag)));
        break;
      }
      case 'logical':
        header(MX.uint8, v.dims, 0x02);
        parts.push(this.element(MI.uint8, this.numbers('uint8', v.data)));
        break;
      case 'char': {
        const rows = v.rows.length, cols = v.rows[0]?.length ?? 0;
        header(MX.char, [rows, cols]);
        const units: number[] = [];
        for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) units.push(v.rows[r].charCodeAt(c));
        parts.push(this.element(MI.uint16, this.numbers('uint16', units)));
        break;
      }
      case 'struct': {
        header(MX.struct, v.dims ?? [1, v.elements.length]);
        const len = Math.max(...v.fields.map((f) => f.length)) + 1;
        parts.push(this.element(MI.int32, this.numbers('int32', [len])));
        const names = Buffer.alloc(len * v.fields.length);
        v.fields.forEach((f, i) => names.write(f, i * len, 'latin1'));
        parts.push(this.element(MI.int8, names));
        for (const el of v.elements) for (const f of v.fields) parts.push(this.element(MI.matrix, this.matrix(el[f], ''), false));
        break;
      }
      case 'cell':
        header(MX.cell, v.dims);
        for (const item of v.items) parts.push(this.element(MI.matrix, this.matrix(item, ''), false));
        break;
    }
    return Buffer.concat(parts);
  }
}

export function matHeader(le: boolean, text = 'MATLAB 5.0 MAT-file, Platform: simgan-ts test writer'): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write(text, 0, 'latin1');
  h.fill(0, 116, 124); // no subsystem data
  if (le) h.writeUInt16LE(0x0100, 124);
  else h.writeUInt16BE(0x0100, 124);
  h.write(le ? 'IM' : 'MI', 126, 'latin1');
  return h;
}

/** A whole .mat file with the given variables. */
export function writeMat(vars: Record<string, WValue>, options: WriteOptions = {}): Buffer {
  const le = !options.bigEndian;
  const w = new Writer(le, options.stats);
  const parts = [matHeader(le)];
  for (const [name, v] of Object.entries(vars)) {
    const m = w.element(MI.matrix, w.matrix(v, name), false);
    parts.push(options.compress ? Buffer.concat([w.u32(MI.compressed, deflateSync(m).length), deflateSync(m)]) : m);
  }
  return Buffer.concat(parts);
}

/** Column-major data of an array with `dims` from a function of its (0-based) subscripts. */
export function columnMajor(dims: number[], f: (...idx: number[]) => number): number[] {
  const n = dims.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let lin = 0; lin < n; lin++) {
    const idx: number[] = [];
    let r = lin;
    for (const d of dims) {
      idx.push(r % d);
      r = Math.floor(r / d);
    }
    out.push(f(...idx));
  }
  return out;
}
