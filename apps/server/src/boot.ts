import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { capturePlugin } from '@faceproof/capture';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import faceproof, { BODY_LIMIT, genReqId } from './app.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { Faces } from './faces.js';
import { captureUrl } from './http/common.js';
import { createTransport, MailDispatcher } from './mail/dispatcher.js';
import { frameworkErrorOptions } from './plugins/app/framework-errors.js';
import { PgStore } from './store/postgres.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { KeyRing } from './tokens.js';
import { WebhookDispatcher } from './webhooks.js';

/** Opens the store (migrated) and the key ring: what the CLI needs, without the face engine. */
export async function openCore(config: Config) {
  // With a database URL, several instances share one PostgreSQL; otherwise one process owns a SQLite file.
  const store: Store = config.FACEPROOF_DATABASE_URL
    ? new PgStore(config.FACEPROOF_DATABASE_URL)
    : new SqliteStore(config.dbFile);
  await store.migrate();
  const keys = new KeyRing(
    store,
    Math.max(config.CLIENT_TOKEN_TTL_S, config.APP_REGISTRATION_TTL_S, 7 * 24 * 3600),
  );
  await keys.load();
  return { store, keys };
}

export interface Server {
  app: FastifyInstance;
  ctx: AppContext;
  /** Warms the face engine up (loads models, fills the indexes); /readyz says ready afterwards. */
  warm: Promise<void>;
  close(): Promise<void>;
}

/** The Fastify instance with the process-wide settings: logging, request ids, limits, timeouts. */
function createFastify(config: Config, logger: boolean | object | undefined) {
  return Fastify({
    logger: logger ?? {
      level: config.LOG_LEVEL,
      // Images and tokens never reach the logs.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.image', '*.token', 'body', 'payload'],
        censor: '[redacted]',
      },
    },
    genReqId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT,
    connectionTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Node looks for requests past their timeout this often (its default, 30 s, outlasts a short one).
    http: { connectionsCheckingInterval: Math.min(30_000, Math.max(50, config.REQUEST_TIMEOUT_MS / 4)) },
    trustProxy: false,
    ...frameworkErrorOptions(config.CORS_ORIGINS),
  });
}

/** The webhook and mail outboxes of this instance, sharing the store with every other instance. */
function createDispatchers(ctx: AppContext, log: FastifyBaseLogger) {
  const { config, store, keys } = ctx;
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const webhooks = new WebhookDispatcher(
    store,
    (projectId) => store.getProjectSecret(projectId),
    {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      baseDelayMs: config.WEBHOOK_BASE_DELAY_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      pollMs: config.WEBHOOK_POLL_MS,
      instanceId,
      allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
      allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    },
    log,
  );
  const mail = new MailDispatcher(
    store,
    keys,
    createTransport(config),
    {
      from: config.MAIL_FROM ?? 'Faceproof <faceproof@localhost>',
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      baseDelayMs: config.MAIL_BASE_DELAY_MS,
      timeoutMs: config.MAIL_TIMEOUT_MS,
      pollMs: config.MAIL_POLL_MS,
      codeTtlSeconds: config.TWO_FA_CODE_TTL_S,
      instanceId,
      captureUrl: (v) => captureUrl(ctx, v),
    },
    log,
  );
  return { webhooks, mail, instanceId };
}

/** Builds the whole server: store, keys, engine (warming in the background), outboxes and the HTTP app. */
export async function buildServer(config: Config, opts: { logger?: boolean | object } = {}): Promise<Server> {
  const { store, keys } = await openCore(config);
  let log: FastifyBaseLogger | undefined;
  const faces = new Faces({
    workers: config.ENGINE_WORKERS,
    maxQueue: config.ENGINE_MAX_QUEUE,
    onSync: (change) => log?.info({ indexSync: change }, 'index updated from another instance'),
  });
  const ctx: AppContext = { config, store, keys, faces, closing: false };
  const app = createFastify(config, opts.logger);
  log = app.log;
  const { webhooks, mail, instanceId } = createDispatchers(ctx, app.log);
  Object.assign(ctx, { webhooks, mail });
  await app.register(faceproof, { ctx });
  await app.register(capturePlugin);
  // The engine warms once the routes are built (their schemas compile in `ready`), so that a
  // server listening right after never answers ready before its engine is.
  const warm = (async () => {
    await app.ready();
    await faces.start(store);
  })().then(
    () => app.log.info({ engine: faces.engine?.info, instanceId, store: store.dialect }, 'face engine ready'),
    (err) => {
      app.log.error({ err }, 'face engine failed to start');
      throw err;
    },
  );
  warm.catch(() => {});
  webhooks.start();
  mail.start();
  return { app, ctx, warm, close: closer(ctx, app, warm) };
}

/** Closes once, in order: stop taking requests, finish them, flush the outboxes, then the engine and store. */
function closer(ctx: AppContext, app: FastifyInstance, warm: Promise<void>) {
  let closing: Promise<void> | undefined;
  const close = async () => {
    ctx.closing = true;
    // In-flight requests (validations included) finish before close() resolves.
    await app.close();
    const grace = ctx.config.SHUTDOWN_GRACE_MS;
    await Promise.all([ctx.webhooks?.stop(grace), ctx.mail?.stop(grace)]);
    await warm.catch(() => {});
    await ctx.faces.close();
    await ctx.store.close();
  };
  return () => {
    closing ??= close();
    return closing;
  };
}
