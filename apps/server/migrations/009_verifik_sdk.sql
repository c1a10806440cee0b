-- Verifik's web SDK (issue 16). An app registration's sign-up data (names, language, the
-- agreements, the operator's extra fields as a JSON object), the step the SDK last synced, and the
-- enrolment's biometric validation (its liveness score and when it passed; `validation_id` exists).
-- A project flow may be public (a browser starts it without a client token) and says how a login
-- finds its person: 'identifier' (the person enrolled under the validation's identifier, as before)
-- or 'search' (whoever the 1:N search finds). A project's allowed browser origins (CORS), a JSON
-- array. PostgreSQL's copy differs only in DOUBLE PRECISION for REAL.
ALTER TABLE app_registrations ADD COLUMN full_name TEXT;
ALTER TABLE app_registrations ADD COLUMN first_name TEXT;
ALTER TABLE app_registrations ADD COLUMN last_name TEXT;
ALTER TABLE app_registrations ADD COLUMN language TEXT;
ALTER TABLE app_registrations ADD COLUMN agreements INTEGER;
ALTER TABLE app_registrations ADD COLUMN extra_fields TEXT;
ALTER TABLE app_registrations ADD COLUMN current_step TEXT;
ALTER TABLE app_registrations ADD COLUMN liveness_score REAL;
ALTER TABLE app_registrations ADD COLUMN validated_at TEXT;
ALTER TABLE project_flows ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project_flows ADD COLUMN login_match TEXT NOT NULL DEFAULT 'identifier';
ALTER TABLE projects ADD COLUMN allowed_origins TEXT;
