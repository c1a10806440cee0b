import { FaceproofImageError } from './errors.js';

/** What callers have in hand: a data URI or base64 string, a `Blob`/`File`, or bytes (`Buffer`, `Uint8Array`, `ArrayBuffer`). */
export type ImageInput = string | Blob | ArrayBuffer | ArrayBufferView;

const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'] as const;
type AcceptedType = (typeof ACCEPTED)[number];

/** The format from the file's first bytes; the name or a declared type can lie, the magic cannot. */
export function sniffImageType(bytes: Uint8Array): AcceptedType | undefined {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50
  ) {
    return 'image/webp';
  }
  return undefined;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000; // below the argument limit of String.fromCharCode.apply
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

function bytesToDataUri(bytes: Uint8Array, what: string): string {
  if (bytes.length === 0) throw new FaceproofImageError(`${what} is empty`);
  const type = sniffImageType(bytes);
  if (!type) {
    throw new FaceproofImageError(`${what} is not a JPEG, PNG or WebP image (the API accepts only those)`);
  }
  return `data:${type};base64,${base64(bytes)}`;
}

const DATA_URI = /^data:([^;,]+)(;[^,]*)?,/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/**
 * Turns an image into the `image` field the API accepts: a `data:image/...;base64,` URI. Checks the
 * format from the bytes and refuses anything but JPEG, PNG and WebP with a `FaceproofImageError`.
 * For a file path, use `imageFromFile` from `@faceproof/client/node`.
 */
export async function toImageDataUri(input: ImageInput): Promise<string> {
  if (typeof input === 'string') {
    const m = DATA_URI.exec(input);
    if (m) {
      if (!(ACCEPTED as readonly string[]).includes(m[1] as string) || m[2] !== ';base64') {
        throw new FaceproofImageError(
          `a ${m[1]}${m[2] ?? ''} data URI is not accepted; send a base64 JPEG, PNG or WebP data URI`,
        );
      }
      return input;
    }
    const compact = input.replace(/\s+/g, '');
    if (compact.length >= 16 && BASE64.test(compact)) {
      const type = sniffImageType(Uint8Array.from(atob(compact.slice(0, 16)), (c) => c.charCodeAt(0)));
      if (!type) throw new FaceproofImageError('the base64 string is not a JPEG, PNG or WebP image');
      return `data:${type};base64,${compact}`;
    }
    throw new FaceproofImageError(
      'a string image must be a data URI or base64; to read a file use imageFromFile from "@faceproof/client/node"',
    );
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    return bytesToDataUri(new Uint8Array(await input.arrayBuffer()), `the ${describe(input)}`);
  }
  if (input instanceof ArrayBuffer) return bytesToDataUri(new Uint8Array(input), 'the ArrayBuffer');
  if (ArrayBuffer.isView(input)) {
    return bytesToDataUri(
      new Uint8Array(input.buffer, input.byteOffset, input.byteLength),
      `the ${describe(input)}`,
    );
  }
  throw new FaceproofImageError(
    `cannot use a ${describe(input)} as an image: pass a data URI or base64 string, a Blob or File, a Uint8Array, Buffer or ArrayBuffer`,
  );
}
