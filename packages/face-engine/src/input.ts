import type { EngineLimits, FaceAnalysisFail } from './types.js';
import { REASON_MESSAGES } from './types.js';

const DATA_URI = /^data:([a-z0-9.+/-]*)(;[a-z0-9=.+-]*)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function fail(reason: FaceAnalysisFail['reason'], message?: string): FaceAnalysisFail {
  return { ok: false, reason, message: message ?? REASON_MESSAGES[reason] };
}

/**
 * Turns a data URI, bare base64 string or raw bytes into bytes, refusing oversized payloads
 * before decoding the base64 (the encoded length bounds the decoded length).
 */
export function parseImageInput(
  image: string | Uint8Array,
  limits: EngineLimits,
): Uint8Array | FaceAnalysisFail {
  if (image instanceof Uint8Array) {
    if (image.byteLength > limits.maxBytes) {
      return fail(
        'IMAGE_TOO_LARGE',
        `The image is ${image.byteLength} bytes; the limit is ${limits.maxBytes}.`,
      );
    }
    if (image.byteLength === 0) return fail('INVALID_IMAGE', 'The image is empty.');
    return image;
  }
  if (typeof image !== 'string')
    return fail('INVALID_IMAGE', 'The image must be a base64 string or a data URI.');
  let b64 = image;
  const m = DATA_URI.exec(image.slice(0, 200));
  if (m) {
    const mime = (m[1] ?? '').toLowerCase();
    if (mime && !/^image\/(jpeg|jpg|png|webp)$/.test(mime)) {
      return fail(
        'INVALID_IMAGE',
        `Unsupported media type "${mime}"; use image/jpeg, image/png or image/webp.`,
      );
    }
    b64 = image.slice(m[0].length);
  } else if (image.startsWith('data:')) {
    return fail('INVALID_IMAGE', 'Malformed data URI: only base64-encoded data URIs are accepted.');
  }
  // Upper bound of decoded size, checked before allocating anything.
  const approxBytes = Math.floor((b64.length * 3) / 4);
  if (approxBytes > limits.maxBytes + 3 && b64.replace(/\s+/g, '').length * 0.75 > limits.maxBytes + 3) {
    return fail(
      'IMAGE_TOO_LARGE',
      `The image is about ${approxBytes} bytes; the limit is ${limits.maxBytes}.`,
    );
  }
  const compact = /\s/.test(b64) ? b64.replace(/\s+/g, '') : b64;
  if (compact.length === 0) return fail('INVALID_IMAGE', 'The image is empty.');
  if (!BASE64.test(compact)) return fail('INVALID_IMAGE', 'The image is not valid base64.');
  const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
  if (bytes.byteLength > limits.maxBytes) {
    return fail(
      'IMAGE_TOO_LARGE',
      `The image is ${bytes.byteLength} bytes; the limit is ${limits.maxBytes}.`,
    );
  }
  if (bytes.byteLength === 0) return fail('INVALID_IMAGE', 'The image is empty.');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sniffs the container format from magic bytes (before handing anything to a decoder). */
export function sniffFormat(b: Uint8Array): 'jpeg' | 'png' | 'webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (
    b.length >= 12 &&
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50
  ) {
    return 'webp';
  }
  return null;
}
