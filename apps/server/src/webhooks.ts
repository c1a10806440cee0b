import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { type Agent, request } from 'undici';
import { nowIso } from './ids.js';
import { isRefusal, outboundAgent } from './outbound/agent.js';
import { OutboxPoller, settle } from './outbox/poller.js';
import type { OutboxEvent, Store } from './store/types.js';

export interface DispatcherOptions {
  maxAttempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  pollMs: number;
  /** Names this instance in the claims it takes on outbox events. */
  instanceId: string;
  /** Receivers let through the outbound policy although they are on the host's own network. */
  allowedHosts: string[];
  allowPrivateNetworks: boolean;
}

interface Attempt {
  statusCode?: number;
  error?: string;
  /** The outbound policy refused the address: the event fails now, no retry can change that. */
  refused?: boolean;
}

/** The most of a receiver's answer read (then the connection is dropped): only the status counts. */
const MAX_RESPONSE_BYTES = 64 * 1024;

const STATUS = { done: 'delivered', failed: 'failed', pending: 'pending' } as const;

/**
 * Delivers the webhook outbox: signs each claimed event per Standard Webhooks with the project's
 * secret, logs every attempt and reschedules failures. All state is in the store, so retries
 * survive a restart, and several instances share one outbox through the poller's leases.
 */
export class WebhookDispatcher {
  private readonly poller: OutboxPoller<OutboxEvent>;
  private readonly agent: Agent;

  constructor(
    private readonly store: Store,
    private readonly secretOf: (projectId: string) => Promise<string | undefined>,
    private readonly opts: DispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.agent = outboundAgent({
      allowedHosts: opts.allowedHosts,
      allowPrivateNetworks: opts.allowPrivateNetworks,
      connectTimeoutMs: opts.timeoutMs,
    });
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
  async stop(graceMs: number) {
    await this.poller.stop(graceMs);
    await this.agent.close();
  }

  private async post(e: OutboxEvent, secret: string): Promise<Attempt> {
    const timestamp = new Date();
    try {
      const res = await request(e.url, {
        dispatcher: this.agent,
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
        // The whole exchange, not only the gaps between chunks, is bounded.
        signal: AbortSignal.timeout(2 * this.opts.timeoutMs),
      });
      await res.body.dump({ limit: MAX_RESPONSE_BYTES });
      return { statusCode: res.statusCode };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return isRefusal(err) ? { error, refused: true } : { error };
    }
  }

  private async deliver(e: OutboxEvent) {
    const started = Date.now();
    const secret = await this.secretOf(e.projectId);
    const tried = secret ? await this.post(e, secret) : { error: 'The project no longer exists' };
    const ok = tried.statusCode !== undefined && tried.statusCode >= 200 && tried.statusCode < 300;
    const attempt = e.attempts + 1;
    const now = Date.now();
    // A refused address is a permanent failure: retrying the same URL would be refused again.
    const fate = settle(ok, attempt, { ...this.opts, giveUp: !secret || tried.refused === true, now });
    const kept = await this.store.recordDelivery(
      e,
      { statusCode: tried.statusCode, error: tried.error, durationMs: now - started, at: nowIso(now) },
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
