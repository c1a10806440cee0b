-- Versioned templates (issue 17) meet held enrolments (issue 15): the enrolment a 2FA onboarding holds
-- until its code keeps one template per stored model, like the enrolment it becomes. Rows held before
-- keep their one template, under the model that made it.
CREATE TABLE held_templates (
  validation_id TEXT NOT NULL REFERENCES held_enrolments (validation_id) ON DELETE CASCADE,
  template_id TEXT NOT NULL,
  model TEXT NOT NULL,
  template BLOB NOT NULL,
  PRIMARY KEY (validation_id, model)
);
INSERT INTO held_templates (validation_id, template_id, model, template)
  SELECT validation_id, template_id, model, template FROM held_enrolments;
ALTER TABLE held_enrolments DROP COLUMN template_id;
ALTER TABLE held_enrolments DROP COLUMN model;
ALTER TABLE held_enrolments DROP COLUMN template;
