import type { AppContext } from '../context.js';
import { operations } from '../contract/bundle.js';
import { defaulted } from '../contract/operation.js';
import { type Answering, notFound } from '../errors.js';

export interface Paging {
  page: number;
  limit: number;
}

/** The page asked for; the spec's defaults are filled in and the numbers coerced by the validator. */
export function paging(query: { page?: number; limit?: number }): Paging {
  const { page, limit } = defaulted(query, 'page', 'limit');
  return { page, limit };
}

export const pageOf = <T>(items: T[], total: number, p: Paging) => ({
  success: true as const,
  data: items,
  total,
  ...p,
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
