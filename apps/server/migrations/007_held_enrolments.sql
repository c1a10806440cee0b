-- The enrolment an `onboarding` with `requires2FA` earned when its face passed, held until the code
-- is confirmed (issue 15): only then is the person created, from this row, after the duplicate checks
-- run again. The row is deleted as soon as the validation is final (completed, failed, expired) or
-- its collection is deleted, so nobody is enrolled by a code that never came.
CREATE TABLE held_enrolments (
  validation_id TEXT PRIMARY KEY REFERENCES biometric_validations (id),
  person_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  identifier TEXT NOT NULL,
  template_id TEXT NOT NULL,
  model TEXT NOT NULL,
  template BLOB NOT NULL,
  image_id TEXT,
  image_mime TEXT,
  image BLOB,
  created_at TEXT NOT NULL
);
CREATE INDEX held_enrolments_collection ON held_enrolments (collection_id);
