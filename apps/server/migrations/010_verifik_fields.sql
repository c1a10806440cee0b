-- Verifik's person and collection fields (issue 16), served at /v2/face-recognition/…: a person's
-- name and profile, and a collection's revision count (`__v`, raised by each update). The profile
-- columns are NULL for persons enrolled by a validation or an app registration. The same SQL serves
-- SQLite and PostgreSQL.
ALTER TABLE persons ADD COLUMN name TEXT;
ALTER TABLE persons ADD COLUMN gender TEXT;
ALTER TABLE persons ADD COLUMN date_of_birth TEXT;
ALTER TABLE persons ADD COLUMN nationality TEXT;
ALTER TABLE persons ADD COLUMN notes TEXT;
ALTER TABLE collections ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
