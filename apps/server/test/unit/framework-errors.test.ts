import { describe, expect, it } from 'vitest';
import { corsHeaders, rawOrigin } from '../../src/plugins/app/framework-errors.js';

// The CORS headers of the answers no route made: an allowed origin only, read from what Node kept.
describe('corsHeaders', () => {
  const allowed = ['https://app.example.com'];

  it('names an allowed origin, and varies on Origin', () => {
    expect(corsHeaders('https://app.example.com', allowed)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      vary: 'Origin',
    });
  });

  it('gives nothing to another origin, a missing one, or when CORS is off', () => {
    expect(corsHeaders('https://evil.example.invalid', allowed)).toEqual({});
    expect(corsHeaders(undefined, allowed)).toEqual({});
    expect(corsHeaders(['https://app.example.com'], allowed)).toEqual({});
    expect(corsHeaders('https://app.example.com', [])).toEqual({});
  });
});

describe('rawOrigin', () => {
  const packet = (head: string) => Buffer.from(head, 'latin1');

  it('reads the Origin header of the bytes received, in any case, trimmed', () => {
    expect(
      rawOrigin(packet('GET / HTTP/1.1\r\nHost: x\r\norigin:  https://a.example.com \r\nX-P: ppp')),
    ).toBe('https://a.example.com');
  });

  it('ignores the request line, the body and a header that only ends in "origin"', () => {
    expect(
      rawOrigin(packet('GET /Origin: x HTTP/1.1\r\nX-Origin: https://b.example.com\r\n')),
    ).toBeUndefined();
    expect(
      rawOrigin(packet('POST / HTTP/1.1\r\nHost: x\r\n\r\nOrigin: https://c.example.com')),
    ).toBeUndefined();
  });

  it('is undefined when Node kept no bytes', () => {
    expect(rawOrigin(undefined)).toBeUndefined();
    expect(rawOrigin('Origin: https://a.example.com')).toBeUndefined();
  });
});
