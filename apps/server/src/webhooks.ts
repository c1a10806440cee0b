import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { nowIso } from './ids.js';
import { OutboxPoller, settle } from './outbox/poller.js';
import type { OutboxEvent, Store } from './store/types.js';

export interface DispatcherOptions {
  maxAttempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  pollMs: number;
  /** Names this instance in the claims it takes on outbox events. */
  instanceId: string;
}

interface Attempt {
  statusCode?: number;
  error?: string;
}

const STATUS = { done: 'delivered', failed: 'failed', pending: 'pending' } as const;

/**
 * Delivers the webhook outbox: signs each claimed event per Standard Webhooks with the project's
 * secret, logs every attempt and reschedules failures. All state is in the store, so retries
 * survive a restart, and several instances share one outbox through the poller's leases.
 */
export class WebhookDispatcher {
  private readonly poller: OutboxPoller<OutboxEvent>;

  constructor(
    private readonly store: Store,
    private readonly secretOf: (projectId: string) => Promise<string | undefined>,
    private readonly opts: DispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.poller = new OutboxPoller({
      name: 'webhook outbox',
      pollMs: opts.pollMs,
      batchSize: 20,
      // Long enough for the slowest delivery (headers then body, each up to the timeout) to be recorded.
      leaseMs: 2 * opts.timeoutMs + 2_000,
      claim: (now, until, limit) => store.claimOutbox(nowIso(now), nowIso(until), limit, opts.instanceId),
      process: (event) => this.deliver(event),
      log,
    });
  }

  start() {
    this.poller.start();
  }

  /** Wakes the dispatcher now (after a commit that enqueued events). */
  kick() {
    this.poller.kick();
  }

  /** Stops polling after one last pass over the due events (bounded by `graceMs`). */
  stop(graceMs: number) {
    return this.poller.stop(graceMs);
  }

  private async post(e: OutboxEvent, secret: string): Promise<Attempt> {
    const timestamp = new Date();
    try {
      const res = await request(e.url, {
        method: 'POST',
        body: e.payload,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Faceproof-Webhooks/1',
          'webhook-id': e.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(e.id, timestamp, e.payload),
        },
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        maxRedirections: 0,
      } as Parameters<typeof request>[1]);
      await res.body.dump();
      return { statusCode: res.statusCode };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async deliver(e: OutboxEvent) {
    const started = Date.now();
    const secret = await this.secretOf(e.projectId);
    const tried = secret ? await this.post(e, secret) : { error: 'The project no longer exists' };
    const ok = tried.statusCode !== undefined && tried.statusCode >= 200 && tried.statusCode < 300;
    const attempt = e.attempts + 1;
    const now = Date.now();
    const fate = settle(ok, attempt, { ...this.opts, giveUp: !secret, now });
    const kept = await this.store.recordDelivery(
      e,
      { ...tried, durationMs: now - started, at: nowIso(now) },
      { status: STATUS[fate.status], nextAttemptAt: nowIso(fate.nextAttemptAt) },
    );
    this.log.info(
      { webhookId: e.id, event: e.eventType, attempt, ...tried, delivered: ok },
      ok ? 'webhook delivered' : 'webhook delivery failed',
    );
    if (!kept)
      this.log.warn(
        { webhookId: e.id },
        'webhook lease expired during delivery; another instance owns it now',
      );
  }
}
