-- Active liveness (issue 14). A flow's liveness mode: flows that existed before are `passive`, so the
-- integrations that send one image keep working; new flows get the spec's default (`active`) from
-- the request. Portable SQL: the same file serves SQLite and PostgreSQL.
ALTER TABLE project_flows ADD COLUMN liveness_mode TEXT NOT NULL DEFAULT 'passive';

-- The challenges issued to a validation (subject_kind 'validation', bound to its liveness session
-- and to the attempt count when issued) or to an app registration. `closed_at` is set when the
-- challenge is answered or replaced by a newer one: a challenge is used at most once.
CREATE TABLE liveness_challenges (
  id TEXT PRIMARY KEY,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  session_id TEXT,
  attempt INTEGER NOT NULL,
  steps TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE INDEX liveness_challenges_subject ON liveness_challenges (subject_id, closed_at);
