import type { Handler } from '../context.js';
import { ApiError } from '../errors.js';
import { notReadyBecause } from '../resources/readiness.js';

export const metaHandlers: Record<string, Handler> = {
  async getJwks(ctx) {
    return ctx.keys.jwks();
  },

  async getHealth() {
    return { status: 'ok' };
  },

  async getReadiness(ctx) {
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
    if (reason) throw new ApiError(503, 'NOT_READY', 'Not ready', reason);
    return { status: 'ready', checks: { database: 'ok', engine: 'ok' } };
  },
};
