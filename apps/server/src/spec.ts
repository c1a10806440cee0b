import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
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
export function createAjv(opts: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    coerceTypes: opts.coerceTypes ?? false,
    useDefaults: false,
  });
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

export interface RequestValidators {
  body?: ValidateFunction;
  query?: ValidateFunction;
  params?: ValidateFunction;
}

export interface Issue {
  path: string;
  message: string;
}

/** Compiles the validators of an operation's parameters and body from the bundle. */
export function requestValidators(ajv: Ajv2020, op: Operation, coercing: Ajv2020 = ajv): RequestValidators {
  const out: RequestValidators = {};
  const params = (op.op.parameters ?? []).map(resolveRef);
  for (const where of ['query', 'path'] as const) {
    const ps = params.filter((p: Json) => p.in === where);
    if (!ps.length) continue;
    const schema = {
      type: 'object',
      properties: Object.fromEntries(ps.map((p: Json) => [p.name, absolutize(p.schema)])),
      required: ps.filter((p: Json) => p.required).map((p: Json) => p.name),
      additionalProperties: where === 'path',
    };
    // Query and path values arrive as strings: coerce them to the declared types.
    out[where === 'path' ? 'params' : 'query'] = coercing.compile(schema);
  }
  const body = op.op.requestBody?.content?.['application/json']?.schema;
  if (body) out.body = ajv.compile(absolutize(body));
  return out;
}

/** ajv errors as the spec's `details`: a JSON pointer prefixed with where it was (`/body/type`). */
export function toIssues(
  where: 'body' | 'query' | 'params',
  errors: ErrorObject[] | null | undefined,
): Issue[] {
  const prefix = where === 'params' ? '/path' : `/${where}`;
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const e of errors ?? []) {
    let p = e.instancePath;
    if (e.keyword === 'required') p += `/${e.params.missingProperty}`;
    if (e.keyword === 'additionalProperties') p += `/${e.params.additionalProperty}`;
    const message =
      e.keyword === 'additionalProperties'
        ? `must NOT have additional property '${e.params.additionalProperty}'`
        : (e.message ?? 'is invalid');
    const key = `${p}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: `${prefix}${p}`, message });
  }
  return out;
}

/** The response schema of one status of an operation, ready for Fastify's serializer. */
export function responseSchemas(op: Operation): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [status, r] of Object.entries<Json>(op.op.responses)) {
    const schema = resolveRef(r).content?.['application/json']?.schema;
    if (schema) out[status] = absolutize(schema);
  }
  return out;
}
