import {
  type Ajv2020,
  type Operation as ContractOperation,
  compileFragment,
  createAjv as createBundleAjv,
  type ErrorObject,
  type Json,
  loadBundle,
  operations as operationsOf,
  rebaseRefs,
  resolveRef,
  SPEC_ID,
  type ValidateFunction,
} from '@faceproof/openapi';

export type { Json };
export { SPEC_ID };

/** The bundled contract: the routes, request validation and response serialization come from it. */
export const spec: Json = loadBundle();

export type TokenScheme = 'clientAccessToken' | 'livenessSessionToken' | 'appRegistrationToken';

export interface Operation extends ContractOperation {
  /** The path in Fastify's syntax (`/v2/projects/:id`). */
  url: string;
  scheme: TokenScheme | undefined;
}

export function operations(): Operation[] {
  return operationsOf(spec).map((o) => ({
    ...o,
    url: o.path.replace(/\{(\w+)\}/g, ':$1'),
    scheme: o.scheme as TokenScheme | undefined,
  }));
}

/** The bundle's ajv (2020-12, formats, `#/components/...` refs) with the server's coercion choice. */
export function createAjv(opts: { coerceTypes?: boolean } = {}): Ajv2020 {
  return createBundleAjv(spec, { coerceTypes: opts.coerceTypes ?? false, useDefaults: false });
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
  for (const where of ['query', 'path'] as const) {
    const ps = op.parameters.filter((p: Json) => p.in === where);
    if (!ps.length) continue;
    const schema = {
      type: 'object',
      properties: Object.fromEntries(ps.map((p: Json) => [p.name, p.schema])),
      required: ps.filter((p: Json) => p.required).map((p: Json) => p.name),
      additionalProperties: where === 'path',
    };
    // Query and path values arrive as strings: coerce them to the declared types.
    out[where === 'path' ? 'params' : 'query'] = compileFragment(coercing, schema);
  }
  const body = op.op.requestBody?.content?.['application/json']?.schema;
  if (body) out.body = compileFragment(ajv, body);
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
    const schema = resolveRef(spec, r).content?.['application/json']?.schema;
    if (schema) out[status] = rebaseRefs(schema);
  }
  return out;
}
