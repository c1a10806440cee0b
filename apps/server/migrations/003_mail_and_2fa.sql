-- Email (issue 10): a durable mail outbox and the one-time codes of `requires2FA` validations.
-- Portable SQL: the same file serves SQLite and PostgreSQL.

-- One row per email to send, written in the same transaction as the state change that calls for it.
-- Rows hold no secret: the capture link's token and the one-time code are made when the mail is
-- sent (a retry sends a fresh code, which replaces the last one). `claimed_until`/`claimed_by` are a
-- lease, as on webhook_outbox, so that several instances never send one mail at once.
CREATE TABLE mail_outbox (
  id TEXT PRIMARY KEY,
  validation_id TEXT NOT NULL REFERENCES biometric_validations (id),
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  language TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  claimed_until TEXT,
  claimed_by TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_validation ON mail_outbox (validation_id, kind);

-- The current one-time code of a validation: a salted scrypt hash, never the code. `attempts` counts
-- wrong codes across every code sent for the validation (a new code does not reset it).
CREATE TABLE two_factor_codes (
  validation_id TEXT PRIMARY KEY REFERENCES biometric_validations (id),
  code_hash TEXT NOT NULL,
  salt TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  consumed_at TEXT
);
