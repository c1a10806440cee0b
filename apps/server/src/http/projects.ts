import { randomBytes } from 'node:crypto';
import { auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { withCheckedUrls } from '../outbound/fields.js';
import { presentProject, presentPublicProject } from '../present.js';
import { listing, pageOf, projectNotFound } from './common.js';

export const projectHandlers = {
  ...operation('createProject')(async (ctx, req, { op }) => {
    const b = withCheckedUrls(req.body, (message, details) =>
      apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', message, { details }),
    );
    const now = nowIso();
    const p = {
      id: objectId(),
      clientId: auth(req).subject,
      name: b.name,
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
      allowedOrigins: b.allowedOrigins,
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createProject(p);
    return { success: true, data: presentProject(p, true) };
  }),

  ...operation('listProjects')(async (ctx, req) => {
    const p = listing('listProjects', req.query);
    const res = await ctx.store.listProjects(auth(req).subject, p);
    return pageOf(
      res.items.map((x) => presentProject(x)),
      res.total,
      p,
    );
  }),

  ...operation('getProject')(async (ctx, req, { op }) => {
    const p = await ctx.store.getProject(auth(req).subject, req.params.id);
    if (!p) throw projectNotFound(op, req.params.id);
    return { success: true, data: presentProject(p) };
  }),

  ...operation('getProjectSettings')(async (ctx, req, { op }) => {
    const p = await ctx.store.getProjectById(req.query.id);
    const flows = p ? (await ctx.store.listProjectFlows(p.id)).filter((f) => f.public) : [];
    if (!p || flows.length === 0)
      throw apiError(
        op,
        404,
        'PROJECT_NOT_FOUND',
        'Project not found',
        `No project ${req.query.id} has public flows.`,
      );
    return { success: true, data: presentPublicProject(p, flows) };
  }),

  ...operation('updateProject')(async (ctx, req, { op }) => {
    const p = await ctx.store.getProject(auth(req).subject, req.params.id);
    if (!p) throw projectNotFound(op, req.params.id);
    const b = withCheckedUrls(req.body, (message, details) =>
      apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', message, { details }),
    );
    const allowedOrigins =
      b.allowedOrigins === undefined ? p.allowedOrigins : (b.allowedOrigins ?? undefined);
    const next = { ...p, name: b.name ?? p.name, allowedOrigins, updatedAt: nowIso() };
    await ctx.store.updateProject(next);
    return { success: true, data: presentProject(next) };
  }),
};
