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
  const problems: string[] = [];

  for (const [name, header0] of Object.entries<Json>(response.headers ?? {})) {
    const header = resolveRef(spec, header0);
    const raw = res.headers.get(name);
    if (raw === null) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    const type = resolveRef(spec, header.schema)?.type;
    const value = type === 'integer' || type === 'number' ? Number(raw) : raw;
    const validate = compileFragment(ajv, header.schema ?? {});
    if (!validate(value)) problems.push(`header ${name}: ${ajv.errorsText(validate.errors)} (got ${raw})`);
  }

  const content = response.content ?? {};
  const mediaTypes = Object.keys(content);
  if (mediaTypes.length === 0) {
    if (res.text.length > 0) problems.push('a body was sent where the spec declares none');
    return problems;
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!mediaTypes.includes(contentType)) {
    problems.push(`content type "${contentType}" is not one of ${mediaTypes.join(', ')}`);
    return problems;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [...problems, `body is not JSON: ${res.text.slice(0, 120)}`];
  }
  const validate = compileFragment(ajv, content[contentType].schema);
  if (!validate(body)) problems.push(`body: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
  return problems;
}
