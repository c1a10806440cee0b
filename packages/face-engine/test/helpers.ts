import { readFile } from 'node:fs/promises';
import { crc32, deflateSync } from 'node:zlib';

export async function b64(file: string): Promise<string> {
  return (await readFile(file)).toString('base64');
}

export async function dataUri(file: string, mime = 'image/jpeg'): Promise<string> {
  return `data:${mime};base64,${await b64(file)}`;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring width x height greyscale pixels, with an IDAT
 * holding zlib-compressed zero rows (a few KB that would inflate to width*height bytes).
 */
export function pngBomb(width = 50_000, height = 50_000, rows = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * rows); // filter byte + zero pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
