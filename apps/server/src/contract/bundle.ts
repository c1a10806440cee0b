import { createRequire } from 'node:module';
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: the bundle is plain JSON, walked by key.
export type Json = any;

/** The bundled contract: the routes, request validation and response serialization come from it. */
export const spec: Json = require('@faceproof/openapi/openapi.json');
export const SPEC_ID = 'https://faceproof.local/openapi.json';

export type TokenScheme = 'clientAccessToken' | 'livenessSessionToken' | 'appRegistrationToken';

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  /** The path in Fastify's syntax (`/v2/projects/:id`). */
  url: string;
  scheme?: TokenScheme;
  op: Json;
}

export function operations(): Operation[] {
  return Object.entries<Json>(spec.paths).flatMap(([p, item]) =>
    Object.entries<Json>(item).map(([method, op]) => ({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path: p,
      url: p.replace(/\{(\w+)\}/g, ':$1'),
      scheme: op.security?.[0] ? (Object.keys(op.security[0])[0] as TokenScheme) : undefined,
      op,
    })),
  );
}

export function resolveRef(node: Json): Json {
  if (!node?.$ref) return node;
  const parts = String(node.$ref).replace(/^#\//, '').split('/');
  return resolveRef(parts.reduce((o: Json, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec));
}

/** ajv 2020-12 with formats, resolving `#/components/...` references of the bundle. */
export function createAjv(opts: Options = {}) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ...opts });
  addFormats.default(ajv);
  ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  return ajv;
}

/** Rewrites local `#/components` references so a fragment can be compiled on its own. */
export function absolutize(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(absolutize);
  if (schema && typeof schema === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema))
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : absolutize(v);
    return out;
  }
  return schema;
}
