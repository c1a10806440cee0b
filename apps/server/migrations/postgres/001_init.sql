-- Faceproof schema, version 1, PostgreSQL dialect of ../001_init.sql (same tables, columns and meaning).
-- Only the types differ: BYTEA for BLOB, DOUBLE PRECISION for REAL (PostgreSQL's REAL is 4 bytes).
-- Ids and timestamps stay TEXT (fixed-format RFC 3339 strings), so both stores sort and compare alike.

CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- One row per issued client access token, so that a token can be revoked by its id (jti).
CREATE TABLE client_tokens (
  jti TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT
);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  name TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX projects_client ON projects (client_id, id);

CREATE TABLE collections (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  name TEXT NOT NULL,
  description TEXT,
  code TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX collections_client ON collections (client_id, id);

CREATE TABLE project_flows (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  name TEXT NOT NULL,
  liveness_min_score DOUBLE PRECISION NOT NULL,
  search_mode TEXT NOT NULL,
  search_min_score DOUBLE PRECISION NOT NULL,
  max_attempts INTEGER NOT NULL,
  retain_face_images INTEGER NOT NULL,
  redirect_url TEXT,
  webhook_url TEXT,
  collection_id TEXT REFERENCES collections (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX project_flows_client ON project_flows (client_id, id);
CREATE INDEX project_flows_collection ON project_flows (collection_id);

CREATE TABLE persons (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  collection_id TEXT NOT NULL REFERENCES collections (id),
  identifier TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (collection_id, identifier)
);
CREATE INDEX persons_client ON persons (client_id, id);

CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons (id),
  collection_id TEXT NOT NULL REFERENCES collections (id),
  model TEXT NOT NULL,
  template BYTEA NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX templates_collection ON templates (collection_id);
CREATE INDEX templates_person ON templates (person_id);

CREATE TABLE face_images (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons (id),
  mime TEXT NOT NULL,
  image BYTEA NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX face_images_person ON face_images (person_id);

-- A biometric validation and its liveness session share one row: the session's state changes only
-- together with the validation's, and one conditional UPDATE on `version` claims both.
CREATE TABLE biometric_validations (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  flow_id TEXT NOT NULL REFERENCES project_flows (id),
  session_id TEXT NOT NULL UNIQUE,
  session_status TEXT NOT NULL,
  identifier TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  settings TEXT NOT NULL,
  options TEXT NOT NULL,
  collection_id TEXT,
  collection_code TEXT,
  person_id TEXT,
  liveness_score DOUBLE PRECISION NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  liveness_results TEXT NOT NULL,
  comparison_results TEXT NOT NULL,
  result TEXT,
  expires_at TEXT NOT NULL,
  completed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX biometric_validations_client ON biometric_validations (client_id, id);
CREATE INDEX biometric_validations_project ON biometric_validations (project_id, status);

CREATE TABLE app_registrations (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  flow_id TEXT NOT NULL REFERENCES project_flows (id),
  status TEXT NOT NULL,
  email TEXT,
  country_code TEXT,
  phone TEXT,
  os TEXT,
  person_id TEXT,
  validation_id TEXT,
  collection_id TEXT,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
  client_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (client_id, idem_key)
);

-- Transactional outbox: written in the same transaction as the state change it reports.
CREATE TABLE webhook_outbox (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  url TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  outbox_id TEXT NOT NULL REFERENCES webhook_outbox (id),
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_outbox ON webhook_deliveries (outbox_id);

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
