import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { nowIso } from './ids.js';
import type { OutboxEvent, Store } from './store/types.js';

export interface DispatcherOptions {
  maxAttempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  pollMs: number;
  /** Names this instance in the claims it takes on outbox events. */
  instanceId: string;
}

/** Exponential backoff with full jitter in [0.5, 1.5) of the nominal delay, capped at one hour. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random) {
  const nominal = Math.min(3_600_000, baseMs * 2 ** (attempt - 1));
  return Math.round(nominal * (0.5 + random()));
}

/**
 * Delivers the transactional outbox: claims due events, signs them per Standard Webhooks with the
 * project's secret, logs every attempt and reschedules failures. All state is in the store, so
 * retries survive a restart. Several instances share one outbox: each event is claimed by one of
 * them for a lease, and a delivery cut short by a crash is claimed again when its lease expires.
 */
export class WebhookDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly secretOf: (projectId: string) => Promise<string | undefined>,
    private readonly opts: DispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start() {
    this.stopped = false;
    this.schedule(0);
  }

  /** Wakes the dispatcher now (after a commit that enqueued events). */
  kick() {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // A pass that fails (database unreachable) is logged and retried at the next poll; claims it
      // took expire with their lease.
      this.running = this.tick()
        .catch((err) => this.log.error({ err }, 'webhook outbox pass failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.opts.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** Delivers everything due now, once; used by the loop and by graceful shutdown. */
  async tick() {
    for (;;) {
      const now = Date.now();
      const due = await this.store.claimOutbox(
        nowIso(now),
        nowIso(now + this.leaseMs()),
        20,
        this.opts.instanceId,
      );
      if (!due.length) return;
      await Promise.all(due.map((e) => this.deliver(e)));
      if (this.stopped) return;
    }
  }

  /** Long enough for the slowest delivery (headers then body, each up to the timeout) to be recorded. */
  private leaseMs() {
    return 2 * this.opts.timeoutMs + 2_000;
  }

  private async deliver(e: OutboxEvent) {
    const started = Date.now();
    const secret = await this.secretOf(e.projectId);
    let statusCode: number | undefined;
    let error: string | undefined;
    if (!secret) {
      error = 'The project no longer exists';
    } else {
      const timestamp = new Date();
      const signature = new Webhook(secret).sign(e.id, timestamp, e.payload);
      try {
        const res = await request(e.url, {
          method: 'POST',
          body: e.payload,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Faceproof-Webhooks/1',
            'webhook-id': e.id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          headersTimeout: this.opts.timeoutMs,
          bodyTimeout: this.opts.timeoutMs,
          maxRedirections: 0,
        } as Parameters<typeof request>[1]);
        statusCode = res.statusCode;
        await res.body.dump();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
    const ok = statusCode !== undefined && statusCode >= 200 && statusCode < 300;
    const attempt = e.attempts + 1;
    const final = !ok && (attempt >= this.opts.maxAttempts || !secret);
    const at = nowIso();
    const kept = await this.store.recordDelivery(
      e,
      { statusCode, error, durationMs: Date.now() - started, at },
      {
        status: ok ? 'delivered' : final ? 'failed' : 'pending',
        nextAttemptAt: ok || final ? at : nowIso(Date.now() + backoffMs(attempt, this.opts.baseDelayMs)),
      },
    );
    this.log.info(
      { webhookId: e.id, event: e.eventType, attempt, statusCode, error, delivered: ok },
      ok ? 'webhook delivered' : 'webhook delivery failed',
    );
    if (!kept)
      this.log.warn(
        { webhookId: e.id },
        'webhook lease expired during delivery; another instance owns it now',
      );
  }

  /** Stops polling after one last pass over the due events (bounded by `graceMs`). */
  async stop(graceMs: number) {
    this.stopped = true;
    clearTimeout(this.timer);
    const flush = (async () => {
      await this.running;
      await this.tick().catch((err) => this.log.error({ err }, 'webhook outbox flush failed'));
    })();
    await Promise.race([flush, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
