-- Several server instances deliver one outbox: an instance claims due events until `claimed_until`
-- (a lease), so no other instance sends them meanwhile; a killed instance's claims simply expire and
-- the events are claimed again. `claimed_by` names the claiming instance, so a delivery that finishes
-- after its lease was taken over does not overwrite the new claimant's record. Portable SQL: the same
-- file serves SQLite and PostgreSQL.
ALTER TABLE webhook_outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE webhook_outbox ADD COLUMN claimed_by TEXT;
