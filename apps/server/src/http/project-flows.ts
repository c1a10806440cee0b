import type { AppContext, Handler } from '../context.js';
import { auth } from '../context.js';
import { nowIso, objectId } from '../ids.js';
import { presentFlow } from '../present.js';
import { type FlowInput, type FlowPatch, newFlow, patchFlow } from '../resources/project-flows.js';
import {
  collectionNotFound,
  flowNotFound,
  idParam,
  pageOf,
  paging,
  projectNotFound,
  query,
} from './common.js';

/** The collection `id` when it belongs to the project (a lookup, so it stays in the handler layer). */
async function projectCollection(ctx: AppContext, clientId: string, projectId: string, id: string | null) {
  if (id === null) return undefined;
  const c = await ctx.store.getCollection(clientId, id);
  if (!c || c.projectId !== projectId) throw collectionNotFound(id, 'this project');
  return c.id;
}

export const projectFlowHandlers: Record<string, Handler> = {
  async createProjectFlow(ctx, req) {
    const clientId = auth(req).subject;
    const b = req.body as FlowInput & { project: string; assignedCollection?: string };
    const project = await ctx.store.getProject(clientId, b.project);
    if (!project) throw projectNotFound(b.project);
    const collectionId =
      b.assignedCollection === undefined
        ? undefined
        : await projectCollection(ctx, clientId, project.id, b.assignedCollection);
    const f = newFlow(b, { id: objectId(), clientId, projectId: project.id, collectionId, now: nowIso() });
    await ctx.store.createFlow(f);
    return { success: true, data: presentFlow(f) };
  },

  async listProjectFlows(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listFlows(auth(req).subject, { ...p, projectId: query(req).project });
    return pageOf(res.items.map(presentFlow), res.total, p);
  },

  async getProjectFlow(ctx, req) {
    const f = await ctx.store.getFlow(auth(req).subject, idParam(req));
    if (!f) throw flowNotFound(idParam(req));
    return { success: true, data: presentFlow(f) };
  },

  async updateProjectFlow(ctx, req) {
    const clientId = auth(req).subject;
    const f = await ctx.store.getFlow(clientId, idParam(req));
    if (!f) throw flowNotFound(idParam(req));
    const b = req.body as FlowPatch & { assignedCollection?: string | null };
    const collectionId =
      b.assignedCollection === undefined
        ? f.collectionId
        : await projectCollection(ctx, clientId, f.projectId, b.assignedCollection);
    const next = patchFlow(f, b, { collectionId, now: nowIso() });
    await ctx.store.updateFlow(next);
    return { success: true, data: presentFlow(next) };
  },
};
