import type { Ajv2020, ErrorObject, ValidateFunction } from '@faceproof/openapi';
import { absolutize, createAjv, type Json, type Operation, resolveRef } from './bundle.js';

export type Where = 'params' | 'query' | 'headers' | 'body';

export type RequestValidators = Partial<Record<Where, ValidateFunction>>;

export interface Issue {
  path: string;
  message: string;
}

/** Where each part of a request sits in the `details` pointers of a 400. */
const POINTER_PREFIX: Record<Where, string> = {
  params: '/path',
  query: '/query',
  headers: '/header',
  body: '/body',
};

/** The parameter locations of the spec by the request part Fastify puts them in. */
const PARAMETER_IN = { params: 'path', query: 'query', headers: 'header' } as const;

/**
 * A copy of `schema` with every `$ref` replaced by what it designates (a cycle stays a reference),
 * so that ajv sees each `default:` where `useDefaults` applies it: in the property's own schema.
 */
export function inlineRefs(schema: Json, seen: ReadonlySet<string> = new Set()): Json {
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string' && !seen.has(schema.$ref)) {
    const { $ref, ...siblings } = schema;
    return inlineRefs({ ...resolveRef({ $ref }), ...siblings }, new Set([...seen, $ref]));
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inlineRefs(v, seen)]));
}

/**
 * The ajv instances requests are checked with. Spec `default:` values are filled in (query, path,
 * header and the bodies of creations), but never into a PATCH or PUT body: there a missing field
 * means "unchanged", not "the default".
 */
export function requestAjvs() {
  return {
    // Parameters arrive as strings, a repeated one as an array: coerce them to the declared types
    // (a single value of an array parameter becomes a one-item array).
    parameters: createAjv({ coerceTypes: 'array', useDefaults: true }),
    bodies: createAjv({ useDefaults: true }),
    patches: createAjv(),
  };
}

function parametersSchema(op: Operation, where: keyof typeof PARAMETER_IN): Json | undefined {
  const ps: Json[] = (op.op.parameters ?? [])
    .map(resolveRef)
    .filter((p: Json) => p.in === PARAMETER_IN[where]);
  if (!ps.length) return undefined;
  // Node hands header names over in lower case.
  const nameOf = (p: Json): string => (where === 'headers' ? String(p.name).toLowerCase() : p.name);
  return {
    type: 'object',
    properties: Object.fromEntries(ps.map((p) => [nameOf(p), inlineRefs(p.schema)])),
    required: ps.filter((p) => p.required).map(nameOf),
    // Other headers and (the router's) extra path keys are not the operation's business, and
    // query parameters the operation does not declare are ignored ("Tolerant requests" in the
    // spec's description): declared ones alone are checked.
    additionalProperties: true,
  };
}

/**
 * The query schema with each object parameter spread out: the spec's object parameters (`where`,
 * `in`) are form-exploded, so their keys arrive as query parameters of their own
 * (`where_type=login`), checked by the object's `patternProperties` at the top level.
 */
export function explodeObjectParameters(schema: Json): Json {
  const properties: Record<string, Json> = {};
  const patternProperties: Record<string, Json> = { ...schema.patternProperties };
  for (const [name, property] of Object.entries<Json>(schema.properties ?? {})) {
    if (property?.type === 'object' && property.patternProperties)
      Object.assign(patternProperties, property.patternProperties);
    else properties[name] = property;
  }
  return Object.keys(patternProperties).length ? { ...schema, properties, patternProperties } : schema;
}

/** Compiles the validators of an operation's path, query and header parameters and body. */
export function requestValidators(ajvs: ReturnType<typeof requestAjvs>, op: Operation): RequestValidators {
  const out: RequestValidators = {};
  for (const where of ['params', 'query', 'headers'] as const) {
    const schema = parametersSchema(op, where);
    if (schema) out[where] = ajvs.parameters.compile(absolutize(explodeObjectParameters(schema)));
  }
  const body = op.op.requestBody?.content?.['application/json']?.schema;
  // A PUT is a partial update too here (Verifik's clients update with PUT what PATCH updates).
  const bodyAjv: Ajv2020 = op.method === 'PATCH' || op.method === 'PUT' ? ajvs.patches : ajvs.bodies;
  if (body) out.body = bodyAjv.compile(absolutize(inlineRefs(body)));
  return out;
}

function issueOf(e: ErrorObject): { pointer: string; message: string } {
  let pointer = e.instancePath;
  if (e.keyword === 'required') pointer += `/${e.params.missingProperty}`;
  if (e.keyword === 'additionalProperties') pointer += `/${e.params.additionalProperty}`;
  const message =
    e.keyword === 'additionalProperties'
      ? `must NOT have additional property '${e.params.additionalProperty}'`
      : (e.message ?? 'is invalid');
  return { pointer, message };
}

/** ajv errors as the spec's `details`: a JSON pointer prefixed with where it was (`/body/type`). */
export function toIssues(where: Where, errors: ErrorObject[] | null | undefined): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const e of errors ?? []) {
    const { pointer, message } = issueOf(e);
    const key = `${pointer}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: `${POINTER_PREFIX[where]}${pointer}`, message });
  }
  return out;
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** The deepest nesting of objects and arrays a request may have (the spec's info says why). */
export const MAX_REQUEST_DEPTH = 32;

interface Visit {
  value: unknown;
  key?: string;
  parent?: Visit;
  depth: number;
}

const pointerOf = (v: Visit): string =>
  v.parent ? `${pointerOf(v.parent)}/${escapePointer(v.key ?? '')}` : '';

/**
 * The strings of a request part that hold U+0000, which the spec refuses (PostgreSQL's `text`
 * cannot store it, and both stores must answer alike), and a first part nested deeper than
 * MAX_REQUEST_DEPTH. Walked with an explicit stack and parent links, so a hostile depth costs
 * neither the call stack nor a pointer string per level.
 */
export function nulAndDepthIssues(where: Where, value: unknown): Issue[] {
  const issues: Issue[] = [];
  const issue = (v: Visit, message: string) =>
    issues.push({ path: `${POINTER_PREFIX[where]}${pointerOf(v)}`, message });
  const stack: Visit[] = [{ value, depth: 0 }];
  for (let v = stack.pop(); v; v = stack.pop()) {
    if (typeof v.value === 'string') {
      if (v.value.includes('\u0000')) issue(v, 'must not contain U+0000 (NUL)');
    } else if (v.value && typeof v.value === 'object') {
      if (v.depth >= MAX_REQUEST_DEPTH) {
        issue(v, `must not nest objects or arrays more than ${MAX_REQUEST_DEPTH} deep`);
        return issues;
      }
      for (const [key, child] of Object.entries(v.value).reverse())
        stack.push({ value: child, key, parent: v, depth: v.depth + 1 });
    }
  }
  return issues;
}

/** Every issue of a request against its operation's validators, in path, query, header, body order. */
export function requestIssues(validators: RequestValidators, req: Record<Where, unknown>): Issue[] {
  const issues: Issue[] = [];
  for (const where of ['params', 'query', 'headers', 'body'] as const) {
    const validate = validators[where];
    if (validate && !validate(req[where])) issues.push(...toIssues(where, validate.errors));
    else if (where !== 'headers') issues.push(...nulAndDepthIssues(where, req[where]));
  }
  return issues;
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
