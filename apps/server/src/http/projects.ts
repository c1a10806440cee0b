import { randomBytes } from 'node:crypto';
import { auth, type Handler } from '../context.js';
import { nowIso, objectId } from '../ids.js';
import { presentProject } from '../present.js';
import { idParam, pageOf, paging, projectNotFound } from './common.js';

export const projectHandlers: Record<string, Handler> = {
  async createProject(ctx, req) {
    const now = nowIso();
    const p = {
      id: objectId(),
      clientId: auth(req).subject,
      name: (req.body as { name: string }).name,
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createProject(p);
    return { success: true, data: presentProject(p, true) };
  },

  async listProjects(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listProjects(auth(req).subject, p);
    return pageOf(
      res.items.map((x) => presentProject(x)),
      res.total,
      p,
    );
  },

  async getProject(ctx, req) {
    const p = await ctx.store.getProject(auth(req).subject, idParam(req));
    if (!p) throw projectNotFound(idParam(req));
    return { success: true, data: presentProject(p) };
  },

  async updateProject(ctx, req) {
    const p = await ctx.store.getProject(auth(req).subject, idParam(req));
    if (!p) throw projectNotFound(idParam(req));
    const { name } = req.body as { name?: string };
    const next = { ...p, name: name ?? p.name, updatedAt: nowIso() };
    await ctx.store.updateProject(next);
    return { success: true, data: presentProject(next) };
  },
};
