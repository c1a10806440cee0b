import { randomUUID } from 'node:crypto';
import { type AppContext, auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { presentCollection } from '../present.js';
import type { Collection } from '../store/types.js';
import { collectionNotFound, listing, pageOf, projectNotFound } from './common.js';

// Each operation here is served at Verifik's path (`/v2/face-recognition/collections…`) and at the
// deprecated `/v2/collections…`; both call the same functions below.

type CreateOp = 'createCollection' | 'createFaceRecognitionCollection';
type ReadOp = 'getCollection' | 'getFaceRecognitionCollection';
type DeleteOp = 'deleteCollection' | 'deleteFaceRecognitionCollection';

async function create(
  ctx: AppContext,
  clientId: string,
  b: { project: string; name: string; description?: string | undefined },
  op: CreateOp,
) {
  const project = await ctx.store.getProject(clientId, b.project);
  if (!project) throw projectNotFound(op, b.project);
  const now = nowIso();
  const c: Collection = {
    id: objectId(),
    clientId,
    projectId: project.id,
    name: b.name,
    description: b.description,
    code: randomUUID(),
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.createCollection(c);
  return { success: true as const, data: presentCollection(c, 0) };
}

async function list(
  ctx: AppContext,
  clientId: string,
  query: { page?: number; limit?: number; project?: string },
  op: 'listCollections' | 'listFaceRecognitionCollections',
) {
  const p = listing(op, query);
  const res = await ctx.store.listCollections(clientId, { ...p, projectId: query.project });
  const items = [];
  for (const c of res.items) items.push(presentCollection(c, await ctx.store.countPersons(c.id)));
  return pageOf(items, res.total, p);
}

async function load(
  ctx: AppContext,
  clientId: string,
  id: string,
  op: ReadOp | DeleteOp | 'updateFaceRecognitionCollection',
) {
  const c = await ctx.store.getCollection(clientId, id);
  if (!c) throw collectionNotFound(op, id);
  return c;
}

async function remove(ctx: AppContext, clientId: string, id: string, op: DeleteOp) {
  const c = await load(ctx, clientId, id, op);
  const flows = await ctx.store.flowsUsingCollection(c.id);
  if (flows.length)
    throw apiError(
      op,
      409,
      'COLLECTION_IN_USE',
      'Collection in use',
      `Collection ${c.id} is assigned to project flow ${flows.join(', ')}; unassign it first.`,
    );
  const live = await ctx.store.liveValidationsInCollection(c.id, nowIso());
  if (live.length)
    throw apiError(
      op,
      409,
      'COLLECTION_IN_USE',
      'Collection in use',
      `Collection ${c.id} is used by biometric validation ${live.join(', ')} in progress; wait until it is completed, failed or expired.`,
    );
  const counts = await ctx.store.deleteCollection(c.id);
  ctx.faces.removeCollection(c.id);
  return { success: true as const, data: { _id: c.id, deleted: true as const, ...counts } };
}

export const collectionHandlers = {
  ...operation('createCollection')((ctx, req, { op }) => create(ctx, auth(req).subject, req.body, op)),

  ...operation('createFaceRecognitionCollection')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const { project, ...rest } = req.body;
    if (project !== undefined) return create(ctx, clientId, { ...rest, project }, op);
    const first = await ctx.store.listProjects(clientId, {
      page: 1,
      limit: 1,
      sort: { field: 'createdAt', desc: false },
    });
    const oldest = first.items[0];
    if (!oldest) throw projectNotFound(op, '(none: the client has no project)');
    return create(ctx, clientId, { ...rest, project: oldest.id }, op);
  }),

  ...operation('listCollections')((ctx, req, { op }) => list(ctx, auth(req).subject, req.query, op)),
  ...operation('listFaceRecognitionCollections')((ctx, req, { op }) =>
    list(ctx, auth(req).subject, req.query, op),
  ),

  ...operation('getCollection')(async (ctx, req, { op }) => {
    const c = await load(ctx, auth(req).subject, req.params.id, op);
    return { success: true, data: presentCollection(c, await ctx.store.countPersons(c.id)) };
  }),
  ...operation('getFaceRecognitionCollection')(async (ctx, req, { op }) => {
    const c = await load(ctx, auth(req).subject, req.params.id, op);
    return { success: true, data: presentCollection(c, await ctx.store.countPersons(c.id)) };
  }),

  ...operation('updateFaceRecognitionCollection')(async (ctx, req, { op }) => {
    const c = await load(ctx, auth(req).subject, req.params.id, op);
    const { name, description } = req.body;
    await ctx.store.updateCollection({
      ...c,
      name,
      description: description === undefined ? c.description : (description ?? undefined),
      updatedAt: nowIso(),
    });
    // Read back: the stored version counted this update after any other made meanwhile.
    const saved = await load(ctx, c.clientId, c.id, op);
    return { success: true, data: presentCollection(saved, await ctx.store.countPersons(c.id)) };
  }),

  ...operation('deleteCollection')((ctx, req, { op }) => remove(ctx, auth(req).subject, req.params.id, op)),
  ...operation('deleteFaceRecognitionCollection')((ctx, req, { op }) =>
    remove(ctx, auth(req).subject, req.params.id, op),
  ),
};
