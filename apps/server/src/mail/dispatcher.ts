import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import { nowIso } from '../ids.js';
import type { BiometricValidation, Mail, Store } from '../store/types.js';
import type { KeyRing } from '../tokens.js';
import { backoffMs } from '../webhooks.js';
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

/**
 * Sends the mail outbox: claims due mails, renders them at send time (a fresh liveness-session token
 * in the link, a fresh code for 2FA, so no secret waits in the database), and retries failures with
 * exponential backoff. State lives in the store, so retries survive a restart and the mail server
 * being down never blocks a request.
 */
export class MailDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** A kick arrived during a pass: start the next pass at once instead of after the poll interval. */
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly keys: KeyRing,
    private readonly transport: Transporter | undefined,
    private readonly opts: MailDispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start() {
    this.stopped = false;
    if (!this.transport)
      this.log.warn('no SMTP server configured (SMTP_URL or SMTP_HOST): emails will be marked failed');
    this.schedule(0);
  }

  /** Wakes the dispatcher now (after a commit that enqueued mails). */
  kick() {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.log.error({ err }, 'mail outbox pass failed'))
        .finally(() => {
          this.running = undefined;
          const soon = this.again;
          this.again = false;
          if (!this.stopped) this.schedule(soon ? 0 : this.opts.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  async tick() {
    for (;;) {
      const now = Date.now();
      const lease = nowIso(now + 4 * this.opts.timeoutMs + 2_000);
      const due = await this.store.claimMail(nowIso(now), lease, 10, this.opts.instanceId);
      if (!due.length) return;
      await Promise.all(due.map((m) => this.deliver(m)));
      if (this.stopped) return;
    }
  }

  private async render(m: Mail): Promise<RenderedMail> {
    const v = await this.store.getValidation(m.validationId);
    if (!v) throw new Moot('the validation no longer exists');
    if (m.kind === 'link') {
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

  private async deliver(m: Mail) {
    const attempt = m.attempts + 1;
    let error: string | undefined;
    let final = false;
    try {
      if (!this.transport) {
        final = true;
        throw new Error('no SMTP server is configured');
      }
      const content = await this.render(m);
      await this.transport.sendMail({ from: this.opts.from, to: m.recipient, ...content });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      if (err instanceof Moot) final = true;
    }
    const ok = error === undefined;
    final ||= !ok && attempt >= this.opts.maxAttempts;
    const at = nowIso();
    const kept = await this.store.recordMail(m, {
      status: ok ? 'sent' : final ? 'failed' : 'pending',
      nextAttemptAt: ok || final ? at : nowIso(Date.now() + backoffMs(attempt, this.opts.baseDelayMs)),
      at,
      ...(error ? { error } : {}),
    });
    this.log.info(
      { mailId: m.id, kind: m.kind, validation: m.validationId, attempt, error, sent: ok, final },
      ok ? 'mail sent' : 'mail not sent',
    );
    if (!kept)
      this.log.warn({ mailId: m.id }, 'mail lease expired during the send; another instance owns it now');
  }

  /** Stops polling after one last pass over the due mails (bounded by `graceMs`). */
  async stop(graceMs: number) {
    this.stopped = true;
    clearTimeout(this.timer);
    const flush = (async () => {
      await this.running;
      if (this.transport) await this.tick();
    })();
    await Promise.race([flush, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.transport?.close();
  }
}
