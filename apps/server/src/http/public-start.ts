import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { admitPublicStart, type PublicStartOperation } from '../flows/public/start.js';
import { asApiError } from './flow-error.js';

/**
 * Fixed-window counters of public starts, per IP address and per flow, in this process (so several
 * instances each count their own share: the limits are per instance).
 */
class Windows {
  readonly #counts = new Map<string, { count: number; endsAt: number }>();
  hit(key: string, windowMs: number, now = Date.now()) {
    const w = this.#counts.get(key);
    if (!w || w.endsAt <= now) {
      if (this.#counts.size > 100_000)
        for (const [k, v] of this.#counts) if (v.endsAt <= now) this.#counts.delete(k);
      const fresh = { count: 1, endsAt: now + windowMs };
      this.#counts.set(key, fresh);
      return fresh;
    }
    w.count++;
    return w;
  }
}
const windows = new WeakMap<AppContext, Windows>();

function limit(ctx: AppContext, key: string, max: number) {
  let w = windows.get(ctx);
  if (!w) {
    w = new Windows();
    windows.set(ctx, w);
  }
  const hit = w.hit(key, ctx.config.RATE_LIMIT_WINDOW_MS);
  if (hit.count <= max) return;
  const retry = Math.max(1, Math.ceil((hit.endsAt - Date.now()) / 1000));
  throw new ApiError(
    429,
    'RATE_LIMITED',
    'Too many requests',
    `Public starts are limited to ${max} per ${Math.round(ctx.config.RATE_LIMIT_WINDOW_MS / 1000)} seconds; retry after ${retry} seconds.`,
    {},
    { 'retry-after': String(retry) },
  );
}

/**
 * A start without a client token: counted against the per-IP and per-flow limits, then admitted
 * (public flow, allowed origin, no operator-only fields) or refused as the spec documents.
 */
export async function publicStart(
  ctx: AppContext,
  req: FastifyRequest,
  operation: PublicStartOperation,
  body: { project: string; projectFlow: string } & Record<string, unknown>,
) {
  limit(ctx, `ip:${req.ip}`, ctx.config.PUBLIC_START_IP_MAX);
  const flow = await ctx.store.getPublicFlow(body.project, body.projectFlow);
  if (flow) limit(ctx, `flow:${flow.id}`, ctx.config.PUBLIC_START_FLOW_MAX);
  const project = flow ? await ctx.store.getProjectById(flow.projectId) : undefined;
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  const admitted = admitPublicStart(operation, { project, flow, origin }, body);
  if ('error' in admitted) throw asApiError(admitted.error);
  return admitted;
}
