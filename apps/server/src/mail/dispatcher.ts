import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import { nowIso } from '../ids.js';
import { OutboxPoller, settle } from '../outbox/poller.js';
import type { BiometricValidation, Mail, Store } from '../store/types.js';
import type { KeyRing } from '../tokens.js';
import { hashCode, newCode } from './codes.js';
import { codeMail, linkMail, type RenderedMail } from './templates.js';

export interface MailSettings {
  SMTP_URL?: string | undefined;
  SMTP_HOST?: string | undefined;
  SMTP_PORT: number;
  SMTP_SECURE: boolean;
  SMTP_USER?: string | undefined;
  SMTP_PASS?: string | undefined;
  MAIL_TIMEOUT_MS: number;
}

/** The SMTP transport of the configuration, or undefined when no mail server is configured. */
export function createTransport(c: MailSettings): Transporter | undefined {
  // A small pool: one SMTP session serves many mails instead of a TCP and TLS handshake each.
  const timeouts = {
    pool: true,
    maxConnections: 5,
    connectionTimeout: c.MAIL_TIMEOUT_MS,
    greetingTimeout: c.MAIL_TIMEOUT_MS,
    socketTimeout: c.MAIL_TIMEOUT_MS,
  };
  if (c.SMTP_URL) return nodemailer.createTransport({ url: c.SMTP_URL, ...timeouts } as never);
  if (c.SMTP_HOST)
    return nodemailer.createTransport({
      host: c.SMTP_HOST,
      port: c.SMTP_PORT,
      secure: c.SMTP_SECURE,
      ...(c.SMTP_USER ? { auth: { user: c.SMTP_USER, pass: c.SMTP_PASS ?? '' } } : {}),
      ...timeouts,
    });
  return undefined;
}

export interface MailDispatcherOptions {
  from: string;
  maxAttempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  pollMs: number;
  codeTtlSeconds: number;
  /** Names this instance in the claims it takes on mails. */
  instanceId: string;
  /** The capture page of a validation, without the token. */
  captureUrl: (v: BiometricValidation) => string;
}

/** Why a mail is given up without trying (again): the validation no longer needs it. */
class Moot extends Error {}

const STATUS = { done: 'sent', failed: 'failed', pending: 'pending' } as const;

/**
 * Sends the mail outbox: renders each claimed mail at send time (a fresh liveness-session token in
 * the link, a fresh code for 2FA, so no secret waits in the database), and retries failures with
 * exponential backoff. State lives in the store, so retries survive a restart and the mail server
 * being down never blocks a request.
 */
export class MailDispatcher {
  private readonly poller: OutboxPoller<Mail>;

  constructor(
    private readonly store: Store,
    private readonly keys: KeyRing,
    private readonly transport: Transporter | undefined,
    private readonly opts: MailDispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.poller = new OutboxPoller({
      name: 'mail outbox',
      pollMs: opts.pollMs,
      batchSize: 10,
      // Rendering, connecting, greeting and sending may each take up to the timeout.
      leaseMs: 4 * opts.timeoutMs + 2_000,
      claim: (now, until, limit) => store.claimMail(nowIso(now), nowIso(until), limit, opts.instanceId),
      process: (mail) => this.deliver(mail),
      log,
    });
  }

  start() {
    if (!this.transport)
      this.log.warn('no SMTP server configured (SMTP_URL or SMTP_HOST): emails will be marked failed');
    this.poller.start();
  }

  /** Wakes the dispatcher now (after a commit that enqueued mails). */
  kick() {
    this.poller.kick();
  }

  /** Stops polling after one last pass over the due mails (bounded by `graceMs`). */
  async stop(graceMs: number) {
    // Without a transport a last pass would only fail mails that another instance could still send.
    await this.poller.stop(graceMs, { flush: this.transport !== undefined });
    this.transport?.close();
  }

  private async render(m: Mail): Promise<RenderedMail> {
    const v = await this.store.getValidation(m.validationId);
    if (!v) throw new Moot('the validation no longer exists');
    return m.kind === 'link' ? this.renderLink(m, v) : this.renderCode(m, v);
  }

  private async renderLink(m: Mail, v: BiometricValidation) {
    if (v.status !== 'new' || Date.parse(v.expiresAt) <= Date.now())
      throw new Moot(
        `the validation is ${v.status === 'new' ? 'expired' : v.status}; the link is no longer useful`,
      );
    const token = await this.keys.sign(
      'liveness-session',
      { sub: v.id, sid: v.sessionId, project: v.projectId },
      new Date(v.expiresAt),
    );
    return linkMail(m.language, `${this.opts.captureUrl(v)}#token=${token}`, v.expiresAt);
  }

  private async renderCode(m: Mail, v: BiometricValidation) {
    if (v.status !== 'awaiting_2fa') throw new Moot(`the validation is ${v.status}; no code is awaited`);
    // The code exists only here and in the message: the store keeps its salted hash.
    const code = newCode();
    const at = Date.now();
    await this.store.putTwoFactorCode({
      validationId: v.id,
      ...(await hashCode(code)),
      attempts: 0,
      expiresAt: nowIso(at + this.opts.codeTtlSeconds * 1000),
      createdAt: nowIso(at),
    });
    return codeMail(m.language, code, this.opts.codeTtlSeconds);
  }

  /** Renders and sends one mail; the error says why not, and `moot` that trying again is useless. */
  private async send(m: Mail): Promise<{ error?: string; moot?: boolean }> {
    if (!this.transport) return { error: 'no SMTP server is configured', moot: true };
    try {
      const content = await this.render(m);
      await this.transport.sendMail({ from: this.opts.from, to: m.recipient, ...content });
      return {};
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err), moot: err instanceof Moot };
    }
  }

  private async deliver(m: Mail) {
    const attempt = m.attempts + 1;
    const { error, moot } = await this.send(m);
    const ok = error === undefined;
    const now = Date.now();
    const fate = settle(ok, attempt, { ...this.opts, giveUp: moot === true, now });
    const kept = await this.store.recordMail(m, {
      status: STATUS[fate.status],
      nextAttemptAt: nowIso(fate.nextAttemptAt),
      at: nowIso(now),
      ...(error ? { error } : {}),
    });
    this.log.info(
      {
        mailId: m.id,
        kind: m.kind,
        validation: m.validationId,
        attempt,
        error,
        sent: ok,
        final: fate.status === 'failed',
      },
      ok ? 'mail sent' : 'mail not sent',
    );
    if (!kept)
      this.log.warn({ mailId: m.id }, 'mail lease expired during the send; another instance owns it now');
  }
}
