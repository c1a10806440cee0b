import { auth, type Handler } from '../context.js';
import { notFound } from '../errors.js';
import { presentSession, presentValidation } from '../present.js';
import type { ValidationStatus } from '../store/types.js';
import { captureUrl, idParam, pageOf, paging, query } from './common.js';

/** The read side of biometric validations; creating and answering them is in routes/validations.ts. */
export const validationReadHandlers: Record<string, Handler> = {
  async listBiometricValidations(ctx, req) {
    const p = paging(req);
    const q = query(req);
    const res = await ctx.store.listValidations(auth(req).subject, {
      ...p,
      projectId: q.project,
      status: q.status as ValidationStatus | undefined,
    });
    const mail = await ctx.store.linkMailStatus(
      res.items.filter((v) => v.options.sendViaEmail).map((v) => v.id),
    );
    return pageOf(
      res.items.map((v) => presentValidation(v, captureUrl(ctx, v), mail.get(v.id))),
      res.total,
      p,
    );
  },

  async getBiometricValidation(ctx, req) {
    const v = await ctx.store.getValidation(idParam(req));
    if (!v || v.clientId !== auth(req).subject)
      throw notFound(
        'BIOMETRIC_VALIDATION_NOT_FOUND',
        'Biometric validation not found',
        `No biometric validation ${idParam(req)} belongs to this client.`,
      );
    const mail = v.options.sendViaEmail ? (await ctx.store.linkMailStatus([v.id])).get(v.id) : undefined;
    return {
      success: true,
      data: {
        biometricValidation: presentValidation(v, captureUrl(ctx, v), mail),
        livenessSession: presentSession(v),
      },
    };
  },
};
