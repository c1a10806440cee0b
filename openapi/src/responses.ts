import { type Ajv2020, compileFragment } from './ajv.js';
import type { Json, OpenApiDocument } from './json.js';
import { findOperation, type Operation } from './operations.js';
import { resolveRef } from './refs.js';

/** A response as a client saw it: the body as text, so that a body that is not JSON is caught too. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A request as a receiver saw it (a webhook delivery, a proxied call): headers and the raw body. */
export interface ObservedRequest {
  headers: Headers;
  text: string;
}

/** A declared header (a Header Object, or a Parameter Object `in: header`) against what was sent. */
function headerProblems(
  spec: OpenApiDocument,
  ajv: Ajv2020,
  name: string,
  declared: Json,
  headers: Headers,
): string[] {
  const raw = headers.get(name);
  if (raw === null) return declared.required ? [`required header ${name} is missing`] : [];
  // Header values are strings on the wire; a numeric schema describes the number they spell.
  const type = resolveRef(spec, declared.schema)?.type;
  const value = type === 'integer' || type === 'number' ? Number(raw) : raw;
  const validate = compileFragment(ajv, declared.schema ?? {});
  return validate(value) ? [] : [`header ${name}: ${ajv.errorsText(validate.errors)} (got ${raw})`];
}

/** A non-empty body against a `content` map: its media type, that it is JSON, its schema. */
function bodyProblems(ajv: Ajv2020, content: Json, headers: Headers, text: string): string[] {
  const contentType = (headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!Object.hasOwn(content, contentType))
    return [`content type "${contentType}" is not one of ${Object.keys(content).join(', ')}`];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`body is not JSON: ${text.slice(0, 120)}`];
  }
  const validate = compileFragment(ajv, content[contentType].schema);
  return validate(body) ? [] : [`body: ${ajv.errorsText(validate.errors, { separator: '; ' })}`];
}

/**
 * Everything that makes a response disagree with the spec: an undeclared status (neither the exact
 * one nor `default`), an undeclared content type, a body or a header that breaks its schema, a
 * required header that is missing, a body where none is declared. Empty when it agrees.
 */
export function responseViolations(
  spec: OpenApiDocument,
  ajv: Ajv2020,
  operation: string | Operation,
  res: ObservedResponse,
): string[] {
  const { operationId, op } = typeof operation === 'string' ? findOperation(spec, operation) : operation;
  const declared = op.responses?.[String(res.status)] ?? op.responses?.default;
  if (!declared) return [`status ${res.status} is not declared for ${operationId}`];
  const response = resolveRef(spec, declared);
  const problems = Object.entries<Json>(response.headers ?? {}).flatMap(([name, header]) =>
    headerProblems(spec, ajv, name, resolveRef(spec, header), res.headers),
  );
  const content = response.content ?? {};
  if (Object.keys(content).length === 0)
    return res.text.length > 0 ? [...problems, 'a body was sent where the spec declares none'] : problems;
  return [...problems, ...bodyProblems(ajv, content, res.headers, res.text)];
}

/**
 * Everything that makes a request disagree with its operation (a webhook Faceproof sends, say): a
 * missing required header parameter or one that breaks its schema, an undeclared content type, a
 * body that is not JSON or breaks its schema, a missing required body. Empty when it agrees.
 */
export function requestViolations(
  spec: OpenApiDocument,
  ajv: Ajv2020,
  operation: Operation,
  req: ObservedRequest,
): string[] {
  const problems = operation.parameters
    .filter((p) => p.in === 'header')
    .flatMap((p) => headerProblems(spec, ajv, p.name, p, req.headers));
  const body = resolveRef(spec, operation.op.requestBody);
  if (!body) return problems;
  if (req.text.length === 0) return body.required ? [...problems, 'the required body is missing'] : problems;
  return [...problems, ...bodyProblems(ajv, body.content ?? {}, req.headers, req.text)];
}
