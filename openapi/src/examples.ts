import type { Json, OpenApiDocument } from './json.js';
import { findOperation, type Operation, operations } from './operations.js';
import { resolveRef } from './refs.js';

export interface NamedExample {
  /** The example's key under `examples`. */
  name: string;
  mediaType: string;
  summary: string | undefined;
  description: string | undefined;
  value: Json;
}

export interface ResponseExample extends NamedExample {
  operationId: string;
  /** As the spec writes it: `200`, `4XX`, `default`. */
  status: string;
}

function examplesOf(spec: OpenApiDocument, content: Json): NamedExample[] {
  return Object.entries<Json>(content ?? {}).flatMap(([mediaType, media]) =>
    Object.entries<Json>(media.examples ?? {}).map(([name, ex0]) => {
      const ex = resolveRef(spec, ex0);
      return { name, mediaType, summary: ex.summary, description: ex.description, value: ex.value };
    }),
  );
}

/** The named examples of an operation's request body, every media type, in document order. */
export function requestExamples(spec: OpenApiDocument, operation: string | Operation): NamedExample[] {
  const { op } = typeof operation === 'string' ? findOperation(spec, operation) : operation;
  return examplesOf(spec, resolveRef(spec, op.requestBody)?.content);
}

/** One documented status of one operation: its Response Object (resolved) and its named examples. */
export interface DocumentedResponse {
  operationId: string;
  status: string;
  response: Json;
  examples: NamedExample[];
}

/** Every (operation, status) the spec documents, in document order, with or without examples. */
export function documentedResponses(spec: OpenApiDocument): DocumentedResponse[] {
  return operations(spec).flatMap(({ operationId, op }) =>
    Object.entries<Json>(op.responses ?? {}).map(([status, response0]) => {
      const response = resolveRef(spec, response0);
      return { operationId, status, response, examples: examplesOf(spec, response.content) };
    }),
  );
}

/** The named examples of every response of every operation, in document order. */
export function responseExamples(spec: OpenApiDocument): ResponseExample[] {
  return documentedResponses(spec).flatMap(({ operationId, status, examples }) =>
    examples.map((e) => ({ ...e, operationId, status })),
  );
}

/** `{ operationId: { status: [code, ...] } }`. */
export type ErrorCodeTable = Record<string, Record<string, string[]>>;

/**
 * The error `code` values of each (operation, status) from 400 up, in the order the JSON examples
 * list them. The spec keeps `code` a plain string (adding one is not a schema change) and lists each
 * code as a named example of the response. A status whose examples carry no `code` is left out.
 */
export function errorCodes(spec: OpenApiDocument): ErrorCodeTable {
  const out: ErrorCodeTable = {};
  for (const { operationId, status, mediaType, value } of responseExamples(spec)) {
    if (!/^[45]\d\d$/.test(status) || !/json/.test(mediaType)) continue;
    const code = value && typeof value === 'object' ? value.code : undefined;
    if (typeof code !== 'string') continue;
    const byStatus = out[operationId] ?? {};
    const codes = byStatus[status] ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus[status] = codes;
    out[operationId] = byStatus;
  }
  return out;
}
