/**
 * Fastify plugin serving the hosted capture page: `GET /capture/:validationId` (the page) and
 * `GET /capture/assets/:file` (its script and style, content-hashed, from memory).
 *
 *   app.register(capturePlugin, { apiBaseUrl: 'https://api.example.com' });
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { components } from '@faceproof/openapi/types';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml, renderPage } from './html.js';
import { LANGUAGES, type Language, MESSAGES, parseAcceptLanguage, pickLanguage } from './messages/index.js';

export interface CapturePluginOptions {
  /**
   * Where the page sends `POST /v2/biometric-validations/validate`, e.g. `https://api.example.com`.
   * Defaults to the page's own origin. Its origin is added to the page's `connect-src`.
   */
  apiBaseUrl?: string;
}

/** The manifest the build writes next to the hashed assets. */
interface Manifest {
  js: string;
  css: string;
}

interface Encoded {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

interface Asset extends Encoded {
  type: string;
  etag: string;
}

/** Compressed once at start-up: nothing served here changes while the process runs. */
function encodeAll(identity: Buffer): Encoded {
  return {
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

const WEB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
export const ASSET_PREFIX = '/capture/assets/';
/**
 * What a validation id looks like: the spec's `ObjectId` pattern, restated because the plugin does
 * not depend on the spec at run time (a test compares the two).
 */
export const VALIDATION_ID = /^[0-9a-f]{24}$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function loadAssets(): { manifest: Manifest; assets: Map<string, Asset> } {
  const manifest = JSON.parse(readFileSync(path.join(WEB_DIR, 'manifest.json'), 'utf8')) as Manifest;
  const assets = new Map<string, Asset>();
  for (const name of [manifest.js, manifest.css]) {
    const identity = readFileSync(path.join(WEB_DIR, name));
    assets.set(name, {
      type: TYPES[path.extname(name)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
      ...encodeAll(identity),
    });
  }
  return { manifest, assets };
}

function contentSecurityPolicy(apiOrigin: string | undefined): string {
  const connect = apiOrigin ? `'self' ${apiOrigin}` : `'self'`;
  return [
    `default-src 'self'`,
    `img-src 'self' data: blob:`,
    `media-src 'self' blob:`,
    `connect-src ${connect}`,
    `style-src 'self'`,
    `script-src 'self'`,
    `frame-ancestors 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
  ].join('; ');
}

/** Best encoding the client accepts, by our preference (br, then gzip); identity otherwise. */
function pickEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name.trim(), q ? Number.parseFloat(q.slice(2)) : 1);
  }
  const ok = (enc: string) => (accepted.get(enc) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  error: string,
) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({
      success: false,
      code,
      error,
      message: error,
      requestId: request.id,
    } satisfies components['schemas']['ErrorResponse']);
}

export const capturePlugin: FastifyPluginAsync<CapturePluginOptions> = async (app, opts) => {
  const { manifest, assets } = loadAssets();
  let apiOrigin: string | undefined;
  let apiBaseUrl = '';
  if (opts.apiBaseUrl) {
    const url = new URL(opts.apiBaseUrl); // throws at registration on a malformed option: fail fast
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`capturePlugin: apiBaseUrl must be an http(s) URL, got ${opts.apiBaseUrl}`);
    }
    apiOrigin = url.origin;
    apiBaseUrl = url.href.replace(/\/$/, '');
  }
  const csp = contentSecurityPolicy(apiOrigin);
  const pages = new Map<Language, Encoded>(
    LANGUAGES.map((lang) => [
      lang,
      encodeAll(
        Buffer.from(
          renderPage({
            lang,
            messages: MESSAGES[lang],
            scriptHref: ASSET_PREFIX + manifest.js,
            styleHref: ASSET_PREFIX + manifest.css,
            apiBaseUrl,
          }),
        ),
      ),
    ]),
  );

  app.get<{ Params: { validationId: string }; Querystring: { lang?: string } }>(
    '/capture/:validationId',
    async (request, reply) => {
      const lang = pickLanguage(
        typeof request.query.lang === 'string' ? request.query.lang : undefined,
        parseAcceptLanguage(request.headers['accept-language']),
      );
      reply
        .header('content-security-policy', csp)
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('x-frame-options', 'DENY')
        .header('cross-origin-opener-policy', 'same-origin')
        .header('permissions-policy', 'camera=(self), microphone=(), geolocation=()')
        // The URL is personal (it leads to a token in its fragment): keep it out of every cache.
        .header('cache-control', 'no-store')
        .header('vary', 'accept-language, accept-encoding');
      if (!VALIDATION_ID.test(request.params.validationId)) {
        const m = MESSAGES[lang];
        // A browser gets a readable page; an API client the error envelope.
        if (request.headers.accept?.includes('text/html')) {
          return reply
            .code(404)
            .type('text/html; charset=utf-8')
            .send(
              `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(m.badLinkTitle)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${ASSET_PREFIX + manifest.css}"></head><body><main><section class="screen"><h1>${escapeHtml(m.badLinkTitle)}</h1><p>${escapeHtml(m.badLinkBody)}</p></section></main></body></html>`,
            );
        }
        return sendError(reply, request, 404, 'NOT_FOUND', 'Biometric validation not found');
      }
      const page = pages.get(lang) as Encoded;
      const encoding = pickEncoding(request.headers['accept-encoding']);
      if (encoding) reply.header('content-encoding', encoding);
      return reply.type('text/html; charset=utf-8').send(encoding ? page[encoding] : page.identity);
    },
  );

  app.get<{ Params: { file: string } }>(`${ASSET_PREFIX}:file`, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return sendError(reply, request, 404, 'NOT_FOUND', 'Not found');
    reply
      .header('etag', asset.etag)
      // The file name carries the content hash: a new build is a new URL.
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding')
      .type(asset.type);
    const inm = request.headers['if-none-match'];
    if (inm?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
      return reply.code(304).send();
    }
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.send(encoding ? asset[encoding] : asset.identity);
  });
};

export default capturePlugin;
