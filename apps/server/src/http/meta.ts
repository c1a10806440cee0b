import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { notReadyBecause } from '../resources/readiness.js';

export const metaHandlers = {
  ...operation('getJwks')(async (ctx) => ctx.keys.jwks()),

  ...operation('getHealth')(async () => ({ status: 'ok' })),

  ...operation('getReadiness')(async (ctx, _req, { op }) => {
    const reason = await notReadyBecause({
      closing: ctx.closing,
      engineReady: ctx.faces.ready,
      // A load balancer takes this instance out of rotation while its database does not answer.
      databaseAnswers: () =>
        ctx.store.ping().then(
          () => true,
          () => false,
        ),
    });
    if (reason) throw apiError(op, 503, 'NOT_READY', 'Not ready', reason);
    return { status: 'ready', checks: { database: 'ok', engine: 'ok' } };
  }),
};
