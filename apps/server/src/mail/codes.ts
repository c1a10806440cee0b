import { randomBytes, randomInt, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt's recommended interactive cost (N = 2^14): a stolen database row costs about 10^6 such
// hashes to brute-force, per code, and each code lives only minutes.
const SCRYPT: ScryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function derive(code: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(code, salt, KEY_LENGTH, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A uniformly random six-digit code, leading zeros kept. */
export const newCode = () => randomInt(0, 1_000_000).toString().padStart(6, '0');

/** The salted hash that is stored instead of the code. */
export async function hashCode(code: string): Promise<{ hash: string; salt: string }> {
  const salt = randomBytes(16);
  return { hash: (await derive(code, salt)).toString('hex'), salt: salt.toString('hex') };
}

/** Whether `code` is the one hashed, compared in constant time. */
export async function codeMatches(code: string, stored: { hash: string; salt: string }): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'hex');
  const actual = await derive(code, Buffer.from(stored.salt, 'hex'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
