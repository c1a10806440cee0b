import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { operation, requestExamples, resolveRef } from './spec.js';

/** One request derived from a valid one and broken in one way. */
export interface BadRequest {
  kind: string;
  body?: unknown;
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

const TEXTS = fc.string({ maxLength: 12 });
const JSON_VALUES = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  TEXTS,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(TEXTS, fc.integer(), { maxKeys: 2 }),
);

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A valid, tiny PNG file that declares `width` x `height` pixels: a decompression bomb in waiting. */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = deflateSync(Buffer.alloc(1 + Math.min(width, 4096)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/** The first bytes of a JPEG file (SOI, JFIF APP0, the start of a quantisation table), cut short. */
export const TRUNCATED_JPEG = Buffer.from(
  'ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f',
  'hex',
);

export const BAD_IMAGES = fc.oneof(
  fc.constant(`data:image/jpeg;base64,${TRUNCATED_JPEG.toString('base64')}`),
  fc.constant(`data:image/png;base64,${pngDeclaring(100_000, 100_000).toString('base64')}`),
  fc.constant(Buffer.from('this is certainly not an image').toString('base64')),
  fc.uint8Array({ minLength: 1, maxLength: 256 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constant('data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw=='),
  fc.constant('%%% not base64 %%%'),
);

function bodySchema(operationId: string): any {
  const media = operation(operationId).op.requestBody?.content?.['application/json'];
  return resolveRef(media?.schema);
}

function differentType(value: unknown) {
  return JSON_VALUES.filter((v) => typeof v !== typeof value || Array.isArray(v) !== Array.isArray(value));
}

/** Requests of `operationId` each broken in one way, derived from its first request example. */
export function badRequests(
  operationId: string,
  options: { images: boolean } = { images: true },
): fc.Arbitrary<BadRequest> {
  const valid = requestExamples(operationId)[0]?.value ?? {};
  const schema = bodySchema(operationId) ?? { properties: {} };
  const properties = Object.keys(schema.properties ?? {});
  const present = Object.keys(valid);
  const required: string[] = schema.required ?? [];
  const enums = properties.filter((p) => resolveRef(schema.properties[p])?.enum);
  const text = JSON.stringify(valid);

  const mutations: fc.Arbitrary<BadRequest>[] = [
    fc
      .integer({ min: 1, max: Math.max(1, text.length - 1) })
      .map((cut) => ({ kind: 'malformed JSON', rawBody: text.slice(0, cut) })),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml').map((type) => ({
      kind: `content type ${type}`,
      rawBody: text,
      headers: { 'content-type': type },
    })),
    fc.oneof(fc.array(JSON_VALUES, { maxLength: 3 }), fc.integer(), TEXTS, fc.constant(null)).map((body) => ({
      kind: 'body is not an object',
      rawBody: JSON.stringify(body),
    })),
  ];
  if (required.length > 0)
    mutations.push(
      fc.constantFrom(...required).map((field) => {
        const { [field]: _dropped, ...rest } = valid;
        return { kind: `missing ${field}`, body: rest };
      }),
    );
  if (present.length > 0)
    mutations.push(
      fc.constantFrom(...present).chain((field) =>
        differentType(valid[field]).map((v) => ({
          kind: `wrong type for ${field}`,
          body: { ...valid, [field]: v },
        })),
      ),
    );
  if (enums.length > 0)
    mutations.push(
      fc.constantFrom(...enums).chain((field) =>
        fc
          .string({ minLength: 1, maxLength: 10 })
          .filter((v) => !resolveRef(schema.properties[field]).enum.includes(v))
          .map((v) => ({ kind: `out-of-range ${field}`, body: { ...valid, [field]: v } })),
      ),
    );
  if (options.images && properties.includes('image'))
    mutations.push(BAD_IMAGES.map((image) => ({ kind: 'unusable image', body: { ...valid, image } })));
  return fc.oneof(...mutations);
}

/** How many requests a bad-input campaign sends per operation (`FUZZ_RUNS`, default 60). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** Replays a failing campaign: the seed fast-check printed (`FUZZ_SEED`). */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
