import { type AppContext, auth } from '../context.js';
import { defaulted, type OperationRequest, operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { flowRedirectIssue, issuesMessage, withCheckedUrls } from '../outbound/fields.js';
import { presentFlow } from '../present.js';
import { flatFlowSettings } from '../resources/face-recognition.js';
import { newFlow, patchFlow } from '../resources/project-flows.js';
import { collectionNotFound, flowNotFound, listing, pageOf, projectNotFound } from './common.js';

/** Whether collection `id` belongs to the project (a lookup, so it stays in the handler layer). */
async function inProject(ctx: AppContext, owner: { clientId: string; projectId: string }, id: string) {
  const c = await ctx.store.getCollection(owner.clientId, id);
  return c !== undefined && c.projectId === owner.projectId;
}

/** A partial update, the same at `PATCH` and at `PUT` (the method Verifik's clients use). */
async function updateFlow(
  ctx: AppContext,
  req: OperationRequest<'updateProjectFlow' | 'putProjectFlow'>,
  op: 'updateProjectFlow' | 'putProjectFlow',
) {
  const clientId = auth(req).subject;
  const f = await ctx.store.getFlow(clientId, req.params.id);
  if (!f) throw flowNotFound(op, req.params.id);
  const b = withCheckedUrls(flatFlowSettings(req.body), (message, details) =>
    apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', message, { details }),
  );
  const assigned = b.assignedCollection;
  if (assigned && !(await inProject(ctx, { clientId, projectId: f.projectId }, assigned)))
    throw collectionNotFound(op, assigned, 'this project');
  const collectionId = assigned === undefined ? f.collectionId : (assigned ?? undefined);
  const next = patchFlow(f, b, { collectionId, now: nowIso() });
  const outside = flowRedirectIssue(next, b);
  if (outside)
    throw apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', issuesMessage([outside]), {
      details: [outside],
    });
  await ctx.store.updateFlow(next);
  return { success: true as const, data: presentFlow(next) };
}

export const projectFlowHandlers = {
  ...operation('createProjectFlow')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const b = withCheckedUrls(
      defaulted(
        flatFlowSettings(req.body),
        'status',
        'searchMode',
        'livenessMinScore',
        'maxAttempts',
        'retainFaceImages',
        'livenessMode',
        'public',
        'loginMatch',
      ),
      (message, details) => apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', message, { details }),
    );
    const project = await ctx.store.getProject(clientId, b.project);
    if (!project) throw projectNotFound(op, b.project);
    const owner = { clientId, projectId: project.id };
    const collectionId = b.assignedCollection;
    if (collectionId !== undefined && !(await inProject(ctx, owner, collectionId)))
      throw collectionNotFound(op, collectionId, 'this project');
    const f = newFlow(b, { ...owner, id: objectId(), collectionId, now: nowIso() });
    const outside = flowRedirectIssue(f, b);
    if (outside)
      throw apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', issuesMessage([outside]), {
        details: [outside],
      });
    await ctx.store.createFlow(f);
    return { success: true, data: presentFlow(f) };
  }),

  ...operation('listProjectFlows')(async (ctx, req) => {
    const p = listing('listProjectFlows', req.query);
    const { type, status } = req.query;
    // Verifik's plain `type` and `status` filters are where_type and where_status by another name.
    const where = [
      ...p.where,
      ...(type ? [{ field: 'type', values: [type] }] : []),
      ...(status ? [{ field: 'status', values: [status] }] : []),
    ];
    const res = await ctx.store.listFlows(auth(req).subject, { ...p, where, projectId: req.query.project });
    return pageOf(res.items.map(presentFlow), res.total, p);
  }),

  ...operation('getProjectFlow')(async (ctx, req, { op }) => {
    const f = await ctx.store.getFlow(auth(req).subject, req.params.id);
    if (!f) throw flowNotFound(op, req.params.id);
    return { success: true, data: presentFlow(f) };
  }),

  ...operation('updateProjectFlow')((ctx, req, { op }) => updateFlow(ctx, req, op)),
  ...operation('putProjectFlow')((ctx, req, { op }) => updateFlow(ctx, req, op)),
};
