import { describe, expect, it } from 'vitest';
import { parseImageInput, sniffFormat } from '../dist/input.js';
import { DEFAULT_LIMITS } from '../dist/limits.js';

describe('parseImageInput', () => {
  it('accepts a data URI and bare base64', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const a = parseImageInput(`data:image/png;base64,${png.toString('base64')}`, DEFAULT_LIMITS);
    const b = parseImageInput(png.toString('base64'), DEFAULT_LIMITS);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(a as Uint8Array).equals(png)).toBe(true);
    expect(Buffer.from(b as Uint8Array).equals(png)).toBe(true);
    expect(sniffFormat(a as Uint8Array)).toBe('png');
  });

  it('refuses oversized payloads before decoding', () => {
    const big = 'A'.repeat(DEFAULT_LIMITS.maxBytes * 2);
    const r = parseImageInput(big, DEFAULT_LIMITS);
    expect(r).toMatchObject({ ok: false, reason: 'IMAGE_TOO_LARGE' });
    const raw = parseImageInput(new Uint8Array(DEFAULT_LIMITS.maxBytes + 1), DEFAULT_LIMITS);
    expect(raw).toMatchObject({ ok: false, reason: 'IMAGE_TOO_LARGE' });
  });

  it('refuses non-base64, empty input and non-image media types', () => {
    expect(parseImageInput('not base64 at all!!', DEFAULT_LIMITS)).toMatchObject({ reason: 'INVALID_IMAGE' });
    expect(parseImageInput('', DEFAULT_LIMITS)).toMatchObject({ reason: 'INVALID_IMAGE' });
    expect(parseImageInput('data:text/plain;base64,aGVsbG8=', DEFAULT_LIMITS)).toMatchObject({
      reason: 'INVALID_IMAGE',
    });
  });
});
