import type { Handler } from '../context.js';
import { appRegistrationResourceHandlers } from '../http/app-registrations.js';
import { validationReadHandlers } from '../http/biometric-validations.js';
import { collectionHandlers } from '../http/collections.js';
import { metaHandlers } from '../http/meta.js';
import { personHandlers } from '../http/persons.js';
import { projectFlowHandlers } from '../http/project-flows.js';
import { projectHandlers } from '../http/projects.js';

/** The handlers of the resource operations (projects, flows, collections, persons, keys, health). */
export const resourceHandlers: Record<string, Handler> = {
  ...projectHandlers,
  ...projectFlowHandlers,
  ...collectionHandlers,
  ...personHandlers,
  ...appRegistrationResourceHandlers,
  ...validationReadHandlers,
  ...metaHandlers,
};
