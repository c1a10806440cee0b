import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { components } from '@faceproof/openapi/types';
import { z } from 'zod';
import { spec } from './contract/bundle.js';

type ChallengeStep = components['schemas']['LivenessChallengeStep'];
/** The steps a challenge may have, as the spec lists them. */
const CHALLENGE_STEPS = spec.components.schemas.LivenessChallengeStep.enum as [
  ChallengeStep,
  ...ChallengeStep[],
];

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * Every environment variable the server reads, validated once at start. The `Config` type is
 * derived from this schema; README.md documents it as a table.
 */
export const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: int(3000),
  PUBLIC_URL: z.url().optional(),
  FACEPROOF_DATA_DIR: z.string().default('.faceproof-data'),
  FACEPROOF_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ENGINE_WORKERS: int(availableParallelism(), 1),
  // Unset: the engine's default (workers x 8); 0: no queue, busy as soon as every worker is.
  ENGINE_MAX_QUEUE: z.coerce.number().int().min(0).optional(),
  RATE_LIMIT_MAX: int(600, 1),
  RATE_LIMIT_IP_MAX: int(1200, 1),
  RATE_LIMIT_WINDOW_MS: int(60_000, 1),
  CORS_ORIGINS: csv,
  CLIENT_TOKEN_TTL_S: int(365 * 24 * 3600, 60),
  RESULT_TOKEN_TTL_S: int(600, 10),
  APP_REGISTRATION_TTL_S: int(24 * 3600, 60),
  PUBLIC_SESSION_TTL_S: int(240, 30),
  PUBLIC_REGISTRATION_TTL_S: int(1800, 60),
  PUBLIC_START_IP_MAX: int(20, 1),
  PUBLIC_START_FLOW_MAX: int(300, 1),
  WEBHOOK_MAX_ATTEMPTS: int(10, 1),
  WEBHOOK_BASE_DELAY_MS: int(1000, 1),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  WEBHOOK_POLL_MS: int(500, 10),
  // Webhooks never reach the host's own network unless the operator says so (src/outbound/).
  WEBHOOK_ALLOWED_HOSTS: csv,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  // A request (head and body) not received within this is answered 408 and its connection closed.
  REQUEST_TIMEOUT_MS: int(60_000, 100),
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  // Email (capture links, 2FA codes): SMTP_URL, or SMTP_HOST with port, TLS and credentials.
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(587, 1),
  SMTP_SECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().optional(),
  MAIL_FROM: z
    .string()
    .regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address, or a name and <address>')
    .optional(),
  MAIL_MAX_ATTEMPTS: int(8, 1),
  MAIL_BASE_DELAY_MS: int(5_000, 1),
  MAIL_TIMEOUT_MS: int(15_000, 100),
  MAIL_POLL_MS: int(1_000, 10),
  TWO_FA_CODE_TTL_S: int(600, 1),
  TWO_FA_MAX_ATTEMPTS: int(5, 1),
  // Browser tests only: every liveness challenge gets these steps instead of a random draw, so a
  // recorded clip can answer it. Refused at start unless NODE_ENV is `test`.
  FACEPROOF_TEST_CHALLENGE_STEPS: csv.pipe(z.array(z.enum(CHALLENGE_STEPS)).max(3)),
  NODE_ENV: z.string().optional(),
});

/** Rules across variables, checked with the schema at start. */
const checkedSchema = configSchema.superRefine((c, ctx) => {
  if (c.SMTP_URL && c.SMTP_HOST)
    ctx.addIssue({ code: 'custom', path: ['SMTP_HOST'], message: 'set SMTP_URL or SMTP_HOST, not both' });
  if ((c.SMTP_URL || c.SMTP_HOST) && !c.MAIL_FROM)
    ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required when a mail server is set' });
  if (c.SMTP_USER && c.SMTP_PASS === undefined)
    ctx.addIssue({ code: 'custom', path: ['SMTP_PASS'], message: 'is required with SMTP_USER' });
  if (c.FACEPROOF_TEST_CHALLENGE_STEPS.length > 0 && c.NODE_ENV !== 'test')
    ctx.addIssue({
      code: 'custom',
      path: ['FACEPROOF_TEST_CHALLENGE_STEPS'],
      message: 'fixes every liveness challenge and is honoured only under NODE_ENV=test; unset it',
    });
});

export type Config = z.infer<typeof configSchema> & { dataDir: string; publicUrl: string; dbFile: string };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = checkedSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const dataDir = path.resolve(c.FACEPROOF_DATA_DIR);
  return {
    ...c,
    dataDir,
    dbFile: path.join(dataDir, 'faceproof.db'),
    publicUrl: (c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/$/, ''),
  };
}
