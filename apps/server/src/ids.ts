import { randomBytes } from 'node:crypto';

/** A 24-hex object id like MongoDB's: 4 bytes of seconds since the epoch, then 8 random bytes. */
export function objectId(now = Date.now()): string {
  const ts = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return ts + randomBytes(8).toString('hex');
}

export const nowIso = (ms = Date.now()) => new Date(ms).toISOString();
