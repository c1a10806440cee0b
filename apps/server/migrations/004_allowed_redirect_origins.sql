-- A project flow's registered redirect origins (issue 15), a JSON array of origins; NULL: any
-- redirectUrl the outbound URL policy accepts. The same SQL serves SQLite and PostgreSQL.
ALTER TABLE project_flows ADD COLUMN allowed_redirect_origins TEXT;
