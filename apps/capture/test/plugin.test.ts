import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePlugin, VALIDATION_ID } from '../dist/index.js';
import { en } from '../src/messages/en.js';
import { es } from '../src/messages/es.js';
import { contract, spec } from './support/spec.js';

const ID = '66e3244369cd15b505d21065';
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  await app.register(capturePlugin);
  await app.ready();
});
afterAll(() => app.close());

const assetsOf = (html: string) =>
  [...html.matchAll(/(?:src|href)="(\/capture\/assets\/[^"]+)"/g)].map((m) => m[1] as string);

describe('GET /capture/:validationId', () => {
  it('serves the page with a strict CSP, no referrer and no caching', async () => {
    const res = await app.inject({ url: `/capture/${ID}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['permissions-policy']).toContain('camera=(self)');
    // Nothing inline that the CSP would block, and nothing from another origin.
    expect(res.body).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    expect(res.body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(assetsOf(res.body)).toHaveLength(2);
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain(`<title data-t="pageTitle">${en.pageTitle}</title>`);
  });

  it('renders Spanish for ?lang=es or a Spanish Accept-Language, ?lang winning', async () => {
    const byQuery = await app.inject({ url: `/capture/${ID}?lang=es` });
    expect(byQuery.body).toContain('<html lang="es">');
    expect(byQuery.body).toContain(es.startCamera);
    const byHeader = await app.inject({
      url: `/capture/${ID}`,
      headers: { 'accept-language': 'es-MX,es;q=0.9' },
    });
    expect(byHeader.body).toContain('<html lang="es">');
    expect(byHeader.headers.vary).toContain('accept-language');
    const both = await app.inject({ url: `/capture/${ID}?lang=en`, headers: { 'accept-language': 'es' } });
    expect(both.body).toContain('<html lang="en">');
    // An unknown language is not an error: the page falls back.
    const unknown = await app.inject({ url: `/capture/${ID}?lang=xx` });
    expect(unknown.statusCode).toBe(200);
  });

  it('answers 404 for an id that cannot be a validation: the envelope for APIs, a page for browsers', async () => {
    const api = await app.inject({ url: '/capture/not-an-id' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ success: false, code: 'NOT_FOUND', error: expect.any(String) });
    const envelope = contract.compile({ $ref: '#/components/schemas/ErrorResponse' });
    expect(envelope(api.json()), JSON.stringify(envelope.errors)).toBe(true);
    const browser = await app.inject({ url: '/capture/not-an-id?lang=es', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(404);
    expect(browser.body).toContain(es.badLinkTitle);
    expect(browser.headers['content-security-policy']).toBe(CSP);
  });

  it('takes a validation id to be what the spec calls an ObjectId', () => {
    expect(VALIDATION_ID.source).toBe(spec.components.schemas.ObjectId.pattern);
  });

  it('answers HEAD', async () => {
    const res = await app.inject({ method: 'HEAD', url: `/capture/${ID}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('points the page and its CSP at apiBaseUrl when given', async () => {
    const other = Fastify();
    await other.register(capturePlugin, { apiBaseUrl: 'https://api.example.com/' });
    const res = await other.inject({ url: `/capture/${ID}` });
    expect(res.body).toContain('<meta name="faceproof-api" content="https://api.example.com">');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self' https://api.example.com;");
    await other.close();
    await expect(Fastify().register(capturePlugin, { apiBaseUrl: 'ftp://x' }).ready()).rejects.toThrow(
      /http/,
    );
  });
});

describe('GET /capture/assets/:file', () => {
  it('serves hashed assets compressed, immutable, with a strong ETag and 304s', async () => {
    const page = await app.inject({ url: `/capture/${ID}` });
    for (const href of assetsOf(page.body)) {
      const plain = await app.inject({ url: href });
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding']).toBeUndefined();
      const etag = String(plain.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);

      const gz = await app.inject({ url: href, headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
      const br = await app.inject({ url: href, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toContain('accept-encoding');

      const again = await app.inject({ url: href, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('answers 404 in the error envelope for an unknown asset', async () => {
    const res = await app.inject({ url: '/capture/assets/../../package.json' });
    expect(res.statusCode).toBe(404);
    const unknown = await app.inject({ url: '/capture/assets/capture.js' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });
});

describe('size', () => {
  it('stays under 30 kB gzipped for HTML, script and style together', async () => {
    const page = await app.inject({ url: `/capture/${ID}`, headers: { 'accept-encoding': 'gzip' } });
    let total = page.rawPayload.length;
    for (const href of assetsOf(gunzipSync(page.rawPayload).toString())) {
      total += (await app.inject({ url: href, headers: { 'accept-encoding': 'gzip' } })).rawPayload.length;
    }
    expect(total).toBeGreaterThan(3_000);
    expect(total).toBeLessThan(30 * 1024);
  });
});
