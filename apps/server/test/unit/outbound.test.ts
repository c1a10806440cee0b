import { createServer, type Server } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressRefusal } from '../../src/outbound/address.js';
import { isRefusal, type OutboundPolicy, outboundAgent } from '../../src/outbound/agent.js';
import { checkUrlFields } from '../../src/outbound/fields.js';
import { checkOrigin, checkUrl, originRefusal } from '../../src/outbound/url.js';

describe('checkUrl: the boundary parse', () => {
  it.each([
    ['https://example.com:99999/done', 'redirect'],
    ['https://example.com:99999/hook', 'webhook'],
    ['http://[::1', 'webhook'],
    ['not a url', 'webhook'],
    ['file:///etc/passwd', 'webhook'],
    ['gopher://example.com/', 'webhook'],
    ['ftp://example.com/', 'webhook'],
    ['dict://example.com:11211/', 'webhook'],
    ['javascript:alert(1)//', 'webhook'],
    ['data:text/html,hi', 'webhook'],
    ['https://user@example.com/hook', 'webhook'],
    ['https://user:pass@example.com/hook', 'webhook'],
    ['http://user@127.0.0.1/hook', 'webhook'],
    ['javascript:alert(1)//', 'redirect'],
    ['data:text/html,hi', 'redirect'],
    ['http://example.com/done', 'redirect'],
    ['https://user@example.com/done', 'redirect'],
  ] as const)('refuses %s as a %s URL', (raw, use) => {
    expect(checkUrl(raw, use).refusal).toEqual(expect.any(String));
  });

  it.each([
    ['https://example.com/hook', 'webhook', 'https://example.com/hook'],
    ['http://example.com:8080/hook', 'webhook', 'http://example.com:8080/hook'],
    ['HTTPS://Example.COM', 'webhook', 'https://example.com/'],
    ['https://example.com/done?step=2', 'redirect', 'https://example.com/done?step=2'],
    ['http://localhost:5173/done', 'redirect', 'http://localhost:5173/done'],
    ['http://127.0.0.1:5173/done', 'redirect', 'http://127.0.0.1:5173/done'],
    ['http://[::1]:5173/done', 'redirect', 'http://[::1]:5173/done'],
  ] as const)('accepts %s as a %s URL, normalised', (raw, use, href) => {
    expect(checkUrl(raw, use)).toEqual({ href });
  });

  it('names each refused field by its pointer, keeps a null that clears a field', () => {
    const r = checkUrlFields({ webhookUrl: 'ftp://example.com/', redirectUrl: 'https://example.com:99999/' });
    expect(r.issues.map((i) => i.path)).toEqual(['/body/webhookUrl', '/body/redirectUrl']);
    expect(checkUrlFields({ webhookUrl: null })).toEqual({ urls: { webhookUrl: null }, issues: [] });
  });
});

describe('addressRefusal: the ranges', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['fd00::1', 'a private address'],
    ['169.254.169.254', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['100.64.0.1', 'a shared (CGNAT) address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'a link-local address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['64:ff9b::7f00:1', 'a NAT64 address'],
  ])('refuses %s as %s', (address, reason) => {
    expect(addressRefusal(address, false)).toBe(reason);
  });

  it.each(['93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.215.14'])(
    'lets the public address %s through',
    (address) => {
      expect(addressRefusal(address, false)).toBeUndefined();
    },
  );

  it('lets the private switch open the host networks, never unspecified or multicast', () => {
    for (const a of ['127.0.0.1', '::1', '10.0.0.1', '169.254.169.254', '100.64.0.1', '::ffff:7f00:1'])
      expect(addressRefusal(a, true)).toBeUndefined();
    for (const a of ['0.0.0.0', '::', '224.0.0.1'])
      expect(addressRefusal(a, true)).toEqual(expect.any(String));
  });
});

/** A listener on loopback (IPv4 and IPv6) that counts the connections it accepts. */
let listener: Server;
let connections = 0;
let port = 0;

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.once('data', () => socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => listener.listen({ host: '::', port: 0, ipv6Only: false }, resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

const DEFAULT: OutboundPolicy = { allowedHosts: [], allowPrivateNetworks: false, connectTimeoutMs: 2_000 };

async function post(url: string, policy: OutboundPolicy) {
  const agent = outboundAgent(policy);
  try {
    const res = await request(url, { dispatcher: agent, method: 'POST', body: '{}' });
    await res.body.dump();
    return { status: res.statusCode };
  } catch (err) {
    return { refused: isRefusal(err), error: String(err) };
  } finally {
    await agent.close();
  }
}

/** Every way the issue found of writing the loopback address in a URL. */
const LOOPBACK_FORMS = [
  'http://127.0.0.1:PORT/hook',
  'http://localhost:PORT/hook',
  'http://[::1]:PORT/hook',
  'http://127.1:PORT/hook',
  'http://0x7f000001:PORT/hook',
  'http://2130706433:PORT/hook',
  'http://017700000001:PORT/hook',
  'http://[::ffff:127.0.0.1]:PORT/hook',
  'http://[0:0:0:0:0:ffff:7f00:1]:PORT/hook',
  'http://0.0.0.0:PORT/hook',
  'http://[::]:PORT/hook',
];

describe('the outbound agent, at connect time', () => {
  it.each(LOOPBACK_FORMS)(
    'under the default policy, %s never reaches the loopback listener',
    async (form) => {
      const before = connections;
      const r = await post(form.replace('PORT', String(port)), DEFAULT);
      expect(r).toMatchObject({
        refused: true,
        error: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
      });
      expect(connections - before).toBe(0);
    },
  );

  it('the private-network switch lets a loopback receiver through', async () => {
    const before = connections;
    for (const form of ['http://127.0.0.1:PORT/hook', 'http://localhost:PORT/hook', 'http://127.1:PORT/hook'])
      expect(
        await post(form.replace('PORT', String(port)), { ...DEFAULT, allowPrivateNetworks: true }),
      ).toEqual({
        status: 204,
      });
    expect(connections - before).toBe(3);
  });

  it('an allowed host (by address or by name) goes through; other loopback forms stay refused', async () => {
    const before = connections;
    const byAddress = { ...DEFAULT, allowedHosts: ['127.0.0.1'] };
    expect(await post(`http://127.0.0.1:${port}/hook`, byAddress)).toEqual({ status: 204 });
    expect(await post(`http://[::1]:${port}/hook`, byAddress)).toMatchObject({ refused: true });
    const byName = { ...DEFAULT, allowedHosts: ['LocalHost'] };
    expect(await post(`http://localhost:${port}/hook`, byName)).toEqual({ status: 204 });
    expect(await post(`http://127.0.0.1:${port}/hook`, byName)).toMatchObject({ refused: true });
    expect(connections - before).toBe(2);
  });

  it('does not follow a redirect', async () => {
    const redirecting = createServer((socket) => {
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 307 Temporary Redirect\r\nlocation: http://redirected.example.invalid/\r\nconnection: close\r\n\r\n',
        ),
      );
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const p = (redirecting.address() as { port: number }).port;
    try {
      expect(await post(`http://127.0.0.1:${p}/hook`, { ...DEFAULT, allowPrivateNetworks: true })).toEqual({
        status: 307,
      });
    } finally {
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });
});

describe('checkOrigin and originRefusal', () => {
  it('reduces a redirect URL to its origin and refuses anything more', () => {
    expect(checkOrigin('HTTPS://App.Example.com:443')).toEqual({ origin: 'https://app.example.com' });
    expect(checkOrigin('http://localhost:5173/')).toEqual({ origin: 'http://localhost:5173' });
    for (const bad of [
      'https://app.example.com/cb',
      'https://app.example.com/?q',
      'http://app.example.com',
      'data:,x',
    ])
      expect(checkOrigin(bad).refusal).toEqual(expect.any(String));
  });

  it('lets a URL through only with a listed origin, any when no list is set', () => {
    expect(originRefusal('https://app.example.com/done', ['https://app.example.com'])).toBeUndefined();
    expect(originRefusal('https://app.example.com:8443/done', ['https://app.example.com'])).toEqual(
      expect.any(String),
    );
    expect(originRefusal('https://evil.example.com/', undefined)).toBeUndefined();
  });
});
