import { buildServer } from './boot.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { demoCurl, ensureDemo } from './demo.js';

/** The process: configuration, listen, warm-up, and a graceful close on SIGINT/SIGTERM. */
async function main() {
  const config = loadConfig();
  const server = await buildServer(config);
  const { app, ctx } = server;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('graceful shutdown timed out');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5_000);
    force.unref();
    try {
      await server.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.HOST, port: config.PORT });
  await server.warm;
  if (process.argv.includes('--demo')) {
    const demo = await ensureDemo(ctx.store, ctx.keys, config);
    process.stdout.write(
      `\nFaceproof is ready on ${config.publicUrl} (demo project ${demo.project}).\nCreate a login validation:\n\n  ${demoCurl(config, demo)}\n\n${localReceiverHint(config)}`,
    );
  }
}

/** Webhooks to a receiver on this machine are refused by default; the demo says how to allow one. */
function localReceiverHint(config: Config) {
  if (config.WEBHOOK_ALLOW_PRIVATE_NETWORKS) return '';
  return 'Webhooks to this machine or its private network are refused; for a local receiver, restart with\nWEBHOOK_ALLOW_PRIVATE_NETWORKS=true (or WEBHOOK_ALLOWED_HOSTS=127.0.0.1).\n\n';
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
