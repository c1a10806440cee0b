import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../src/fuzz/pool.js';
import { confineUrls, loopbackForms, unsafeUrls } from '../src/fuzz/safe-urls.js';
import { requestArbitrary } from '../src/fuzz/stream.js';

// Network safety of `pnpm fuzz`: no generated or mutated request may name a host outside
// loopback (on the canary's port) and `example.invalid`, whatever the mutation did to the body.
const CANARY = 9;
const id = (n: number) => n.toString(16).padStart(24, '0');
const pool: Pool = {
  clientToken: 'client-token',
  projects: [id(1), id(2)],
  flows: [id(3), id(4)],
  collections: [id(5)],
  persons: [id(6)],
  validations: [id(7)],
  registrations: [id(8)],
  sessionTokens: ['session-token'],
  registrationTokens: ['registration-token'],
};

/** Every `scheme://…` in the text (a bounded scheme, so a megabyte of letters scans in linear time) as it goes on the wire, parsed or not, escaped JSON included. */
function urlsInText(body: string | Uint8Array | undefined): string[] {
  const text = typeof body === 'string' ? body : Buffer.from(body ?? []).toString('utf8');
  const unescaped = text.replace(/\\\//g, '/');
  return [...unescaped.matchAll(/[a-z][a-z0-9+.-]{0,20}:\/\/[^\s"'\\,}\]]+/gi)].map((m) => m[0]);
}

function parsedBody(body: string | Uint8Array | undefined): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body ?? []).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `unsafeUrls` of a parsed body; a body nested past the stack (the nesting mutations) has no strings. */
function stringsDeepUnsafe(parsed: unknown): string[] {
  try {
    return unsafeUrls(parsed, CANARY);
  } catch (error) {
    if (error instanceof RangeError) return [];
    throw error;
  }
}

describe('the fuzz campaign keeps every URL on loopback or under example.invalid', () => {
  it('in every generated and mutated request', () => {
    fc.assert(
      fc.property(requestArbitrary(pool, CANARY), (req) => {
        // A body that is not JSON (cut short, say: a URL may end as `https://r`) is refused unread.
        const parsed = parsedBody(req.body);
        if (parsed === undefined) return;
        expect(unsafeUrls(urlsInText(req.body), CANARY), req.kind).toEqual([]);
        expect(stringsDeepUnsafe(parsed), req.kind).toEqual([]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('rewrites outside hosts, other loopback ports and forms hiding loopback, at any depth', () => {
    const body = {
      webhookUrl: 'https://hooks.example.com/x',
      redirectUrl: 'http://localhost:3000/cb',
      nested: { list: ['http://10.0.0.1/', 'ftp://user@example.org', 'http://[::1]:5432/'] },
      fine: ['https://a.example.invalid/done', loopbackForms(CANARY)[0], 'not a url', 'mailto:someone'],
    };
    const confined = confineUrls(body, CANARY) as typeof body;
    expect(unsafeUrls(confined, CANARY)).toEqual([]);
    expect(loopbackForms(CANARY)).toContain(confined.webhookUrl);
    expect(confined.redirectUrl).toMatch(/\.example\.invalid\//);
    expect(confined.fine).toEqual(body.fine);
  });

  it('treats every loopback form of the canary as loopback, and nothing else', () => {
    expect(unsafeUrls(loopbackForms(CANARY), CANARY)).toEqual([]);
    expect(unsafeUrls(loopbackForms(CANARY + 1), CANARY)).toHaveLength(loopbackForms(CANARY + 1).length);
    expect(
      unsafeUrls(['http://example.invalid.evil.com/', 'http://evilexample.invalid.com/'], CANARY),
    ).toHaveLength(2);
  });
});
