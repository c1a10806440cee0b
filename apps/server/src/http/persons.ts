import { type AppContext, auth } from '../context.js';
import { type OperationRequest, operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { presentPerson } from '../present.js';
import { pageOf, paging } from './common.js';

async function personOf(
  ctx: AppContext,
  req: OperationRequest<'getPerson' | 'deletePerson'>,
  op: 'getPerson' | 'deletePerson',
) {
  const p = await ctx.store.getPerson(auth(req).subject, req.params.id);
  if (!p)
    throw apiError(
      op,
      404,
      'PERSON_NOT_FOUND',
      'Person not found',
      `No person ${req.params.id} belongs to this client.`,
    );
  return p;
}

export const personHandlers = {
  ...operation('listPersons')(async (ctx, req) => {
    const p = paging(req.query);
    const res = await ctx.store.listPersons(auth(req).subject, {
      ...p,
      projectId: req.query.project,
      collectionId: req.query.collection,
    });
    return pageOf(res.items.map(presentPerson), res.total, p);
  }),

  ...operation('getPerson')(async (ctx, req, { op }) => {
    return { success: true, data: presentPerson(await personOf(ctx, req, op)) };
  }),

  ...operation('deletePerson')(async (ctx, req, { op }) => {
    const p = await personOf(ctx, req, op);
    const counts = await ctx.store.deletePerson(p.id);
    ctx.faces.removePerson(p.collectionId, p.id);
    return { success: true, data: { _id: p.id, deleted: true, ...counts } };
  }),
};
