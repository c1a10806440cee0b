import { randomBytes } from 'node:crypto';
import { auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { nowIso, objectId } from '../ids.js';
import { presentProject } from '../present.js';
import { listing, pageOf, projectNotFound } from './common.js';

export const projectHandlers = {
  ...operation('createProject')(async (ctx, req) => {
    const now = nowIso();
    const p = {
      id: objectId(),
      clientId: auth(req).subject,
      name: req.body.name,
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
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

  ...operation('updateProject')(async (ctx, req, { op }) => {
    const p = await ctx.store.getProject(auth(req).subject, req.params.id);
    if (!p) throw projectNotFound(op, req.params.id);
    const next = { ...p, name: req.body.name ?? p.name, updatedAt: nowIso() };
    await ctx.store.updateProject(next);
    return { success: true, data: presentProject(next) };
  }),
};
