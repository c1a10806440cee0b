import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaceproofImageError, toImageDataUri } from '../src/index.js';
import { imageFromFile } from '../src/node.js';

const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const webp = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50]);
const gif = new TextEncoder().encode('GIF89a......');
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

describe('toImageDataUri', () => {
  it('turns bytes of every accepted format into a data URI of the right type', async () => {
    expect(await toImageDataUri(jpeg)).toBe(`data:image/jpeg;base64,${b64(jpeg)}`);
    expect(await toImageDataUri(Buffer.from(png))).toBe(`data:image/png;base64,${b64(png)}`);
    expect(await toImageDataUri(webp.buffer)).toBe(`data:image/webp;base64,${b64(webp)}`);
    expect(await toImageDataUri(new DataView(jpeg.buffer, 0, 4))).toBe(
      `data:image/jpeg;base64,${b64(jpeg.subarray(0, 4))}`,
    );
  });

  it('reads Blobs and Files by their bytes, not their declared type', async () => {
    expect(await toImageDataUri(new Blob([png], { type: 'image/jpeg' }))).toMatch(/^data:image\/png;base64,/);
    expect(await toImageDataUri(new File([jpeg], 'face.jpg'))).toBe(`data:image/jpeg;base64,${b64(jpeg)}`);
  });

  it('encodes large images correctly', async () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
    big.set(jpeg);
    expect(await toImageDataUri(big)).toBe(`data:image/jpeg;base64,${b64(big)}`);
  });

  it('passes data URIs through and types bare base64', async () => {
    const uri = `data:image/png;base64,${b64(png)}`;
    expect(await toImageDataUri(uri)).toBe(uri);
    expect(await toImageDataUri(b64(webp))).toBe(`data:image/webp;base64,${b64(webp)}`);
  });

  it('refuses what the API does not accept, saying why', async () => {
    await expect(toImageDataUri(gif)).rejects.toThrow(/not a JPEG, PNG or WebP/);
    await expect(toImageDataUri('data:image/gif;base64,R0lGOD')).rejects.toThrow(FaceproofImageError);
    await expect(toImageDataUri('./face.jpg')).rejects.toThrow(/@faceproof\/client\/node/);
    await expect(toImageDataUri(new Uint8Array())).rejects.toThrow(/empty/);
    await expect(toImageDataUri(42 as never)).rejects.toThrow(/cannot use a number as an image/);
    await expect(toImageDataUri({} as never)).rejects.toThrow(/cannot use a Object as an image/);
  });
});

describe('imageFromFile (node)', () => {
  it('reads a file into a data URI, and says which file it could not read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faceproof-client-'));
    await writeFile(join(dir, 'face.png'), png);
    expect(await imageFromFile(join(dir, 'face.png'))).toBe(`data:image/png;base64,${b64(png)}`);
    await expect(imageFromFile(join(dir, 'missing.jpg'))).rejects.toThrow(
      /cannot read image file .*missing\.jpg/,
    );
  });
});
