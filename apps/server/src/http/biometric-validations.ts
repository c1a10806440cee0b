import { auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso } from '../ids.js';
import { presentSession, presentValidation } from '../present.js';
import { captureUrl, listing, pageOf } from './common.js';

/** The read side of biometric validations; creating and answering them is in validation-sessions.ts. */
export const validationReadHandlers = {
  ...operation('listBiometricValidations')(async (ctx, req) => {
    const p = listing('listBiometricValidations', req.query);
    const res = await ctx.store.listValidations(auth(req).subject, {
      ...p,
      projectId: req.query.project,
      status: req.query.status,
      now: nowIso(),
    });
    const mail = await ctx.store.linkMailStatus(
      res.items.filter((v) => v.options.sendViaEmail).map((v) => v.id),
    );
    return pageOf(
      res.items.map((v) => presentValidation(v, captureUrl(ctx, v), mail.get(v.id))),
      res.total,
      p,
    );
  }),

  ...operation('getBiometricValidation')(async (ctx, req, { op }) => {
    const v = await ctx.store.getValidation(req.params.id);
    if (!v || v.clientId !== auth(req).subject)
      throw apiError(
        op,
        404,
        'BIOMETRIC_VALIDATION_NOT_FOUND',
        'Biometric validation not found',
        `No biometric validation ${req.params.id} belongs to this client.`,
      );
    const mail = v.options.sendViaEmail ? (await ctx.store.linkMailStatus([v.id])).get(v.id) : undefined;
    return {
      success: true,
      data: {
        biometricValidation: presentValidation(v, captureUrl(ctx, v), mail),
        livenessSession: presentSession(v),
      },
    };
  }),
};
