import type { TemplateInput } from './types.js';

/** Encodes a template as base64 of its little-endian float32 bytes (for storage by the caller). */
export function templateToBase64(t: Float32Array): string {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64');
}

/** Decodes a template from base64 (little-endian float32) or passes a Float32Array through. */
export function toTemplate(input: TemplateInput, dim?: number): Float32Array {
  let t: Float32Array;
  if (typeof input === 'string') {
    const buf = Buffer.from(input, 'base64');
    if (buf.byteLength % 4 !== 0 || buf.byteLength === 0)
      throw new TypeError('Template base64 does not hold float32 values.');
    t = new Float32Array(buf.byteLength / 4);
    new Uint8Array(t.buffer).set(buf);
  } else if (input instanceof Float32Array) {
    t = input;
  } else {
    throw new TypeError('A template must be a Float32Array or a base64 string.');
  }
  if (dim !== undefined && t.length !== dim) {
    throw new RangeError(`Template has ${t.length} dimensions; this index/engine uses ${dim}.`);
  }
  return t;
}

export function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[bOffset + i] as number);
  return s;
}

/** Returns a unit-length copy (templates from analyze() are already unit length). */
export function l2normalise(t: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < t.length; i++) n += (t[i] as number) * (t[i] as number);
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  const out = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = (t[i] as number) * inv;
  return out;
}
