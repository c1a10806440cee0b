-- Versioned templates (issue 17): the template model each collection searches. A collection that has
-- templates already searches the model they were made with (the engine's model before the upgrade);
-- NULL: the engine's own model. Every template row already names its model (templates.model).
-- The same SQL serves SQLite and PostgreSQL.
ALTER TABLE collections ADD COLUMN search_model TEXT;
UPDATE collections SET search_model = (
  SELECT t.model FROM templates t WHERE t.collection_id = collections.id ORDER BY t.created_at, t.id LIMIT 1
);
