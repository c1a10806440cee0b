import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';

export const idParam = (req: FastifyRequest) => (req.params as { id: string }).id;
export const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

export interface Paging {
  page: number;
  limit: number;
}

/** The page asked for; the spec's defaults are filled in and the numbers coerced by the validator. */
export function paging(req: FastifyRequest): Paging {
  const { page, limit } = req.query as Paging;
  return { page, limit };
}

export const pageOf = <T>(items: T[], total: number, p: Paging) => ({
  success: true as const,
  data: items,
  total,
  ...p,
});

export const projectNotFound = (id: string) =>
  notFound('PROJECT_NOT_FOUND', 'Project not found', `No project ${id} belongs to this client.`);
export const flowNotFound = (id: string) =>
  notFound('PROJECT_FLOW_NOT_FOUND', 'Project flow not found', `No project flow ${id} exists.`);
export const collectionNotFound = (id: string, where = 'this client') =>
  notFound('COLLECTION_NOT_FOUND', 'Collection not found', `No collection ${id} belongs to ${where}.`);

/** The hosted capture page (`@faceproof/capture`), in the validation's language. */
export const captureUrl = (ctx: AppContext, v: { id: string; options: { language: string } }) =>
  `${ctx.config.publicUrl}/capture/${v.id}?lang=${v.options.language}`;
