/** Row mappers of the mail outbox and the one-time codes, shared by the SQLite and PostgreSQL stores. */
import { optStr, type Row, str } from './rows.js';
import type { Mail, NewMail, TwoFactorCode } from './types.js';

export function toMail(r: Row): Mail {
  return {
    id: str(r.id),
    validationId: str(r.validation_id),
    kind: r.kind as Mail['kind'],
    recipient: str(r.recipient),
    language: r.language as Mail['language'],
    status: r.status as Mail['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    lastError: optStr(r.last_error),
    createdAt: str(r.created_at),
    sentAt: optStr(r.sent_at),
    claimedUntil: optStr(r.claimed_until),
    claimedBy: optStr(r.claimed_by),
  };
}

export function toTwoFactorCode(r: Row): TwoFactorCode {
  return {
    validationId: str(r.validation_id),
    hash: str(r.code_hash),
    salt: str(r.salt),
    attempts: Number(r.attempts),
    expiresAt: str(r.expires_at),
    createdAt: str(r.created_at),
    consumedAt: optStr(r.consumed_at),
  };
}

/** The INSERT of a new mail row and its arguments (portable SQL with `?` placeholders). */
export const INSERT_MAIL = `INSERT INTO mail_outbox (id, validation_id, kind, recipient, language, status, attempts,
  next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`;
export const insertMailArgs = (id: string, m: NewMail, at: string) => [
  id,
  m.validationId,
  m.kind,
  m.recipient,
  m.language,
  at,
  at,
];

export const CLAIM_MAIL = `UPDATE mail_outbox SET claimed_until = ?, claimed_by = ? WHERE id IN (
  SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ?
    AND (claimed_until IS NULL OR claimed_until <= ?)
  ORDER BY next_attempt_at LIMIT ?)
RETURNING *`;

export const RECORD_MAIL = `UPDATE mail_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
  sent_at = ?, claimed_until = NULL, claimed_by = NULL
WHERE id = ? AND claimed_by = ? AND claimed_until = ?`;

// A new code replaces the hash, salt and expiry; the count of wrong tries stays.
export const PUT_CODE = `INSERT INTO two_factor_codes (validation_id, code_hash, salt, attempts, expires_at, created_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (validation_id) DO UPDATE SET code_hash = excluded.code_hash, salt = excluded.salt,
  expires_at = excluded.expires_at, created_at = excluded.created_at`;

export const COUNT_CODE_ATTEMPT = `UPDATE two_factor_codes SET attempts = attempts + 1
WHERE validation_id = ? AND attempts < ? AND consumed_at IS NULL
RETURNING attempts`;
