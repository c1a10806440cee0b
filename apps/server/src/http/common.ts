import type { AppContext } from '../context.js';
import { contract, operations } from '../contract/bundle.js';
import { defaulted, type OperationId } from '../contract/operation.js';
import { type Answering, invalidRequest, notFound } from '../errors.js';
import { type ListQuery, listQuery } from '../resources/list-query.js';

export interface Paging {
  page: number;
  limit: number;
}

/** What a list operation's `sort`, `where_` and `in_` take: its spec's `x-list-fields`. */
function listFields(op: OperationId): string[] {
  const fields = contract.operations.find((o) => o.operationId === op)?.op['x-list-fields'];
  if (!Array.isArray(fields)) throw new Error(`The spec lists no x-list-fields for ${op}`);
  return fields;
}

/**
 * The page, order and filters asked for, in Verifik's conventions (`perPage`, `sort`,
 * `where_<field>`, `in_<field>[]`) as well as ours; the spec's defaults are filled in and the
 * numbers coerced by the validator. A field the list does not have is a 400.
 */
export function listing(op: OperationId, query: { page?: number; limit?: number }): ListQuery {
  const q = listQuery(defaulted(query, 'page', 'limit'), listFields(op));
  if ('issues' in q) throw invalidRequest(q.issues);
  return q.query;
}

/** One page in our paging fields and in Verifik's `pagination`. */
export const pageOf = <T>(items: T[], total: number, p: Paging) => ({
  success: true as const,
  data: items,
  total,
  page: p.page,
  limit: p.limit,
  pagination: { page: p.page, perPage: p.limit, limit: p.limit, total, pages: Math.ceil(total / p.limit) },
});

// Each not-found error names the operations that may answer it: the spec documents the code there.
export const projectNotFound = (_op: Answering<404, 'PROJECT_NOT_FOUND'>, id: string) =>
  notFound('PROJECT_NOT_FOUND', 'Project not found', `No project ${id} belongs to this client.`);
export const flowNotFound = (_op: Answering<404, 'PROJECT_FLOW_NOT_FOUND'>, id: string) =>
  notFound('PROJECT_FLOW_NOT_FOUND', 'Project flow not found', `No project flow ${id} exists.`);
export const collectionNotFound = (
  _op: Answering<404, 'COLLECTION_NOT_FOUND'>,
  id: string,
  where = 'this client',
) => notFound('COLLECTION_NOT_FOUND', 'Collection not found', `No collection ${id} belongs to ${where}.`);

/** The hosted capture page (`@faceproof/capture`), in the validation's language. */
export const captureUrl = (ctx: AppContext, v: { id: string; options: { language: string } }) =>
  `${ctx.config.publicUrl}/capture/${v.id}?lang=${v.options.language}`;

/** Where the spec serves an operation (for messages that point a client at it). */
export function operationPath(operationId: string): string {
  const o = operations().find((x) => x.operationId === operationId);
  if (!o) throw new Error(`The spec has no operation ${operationId}`);
  return o.path;
}
