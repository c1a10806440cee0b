import type { Handler } from '../context.js';
import { appRegistrationResourceHandlers } from '../http/app-registrations.js';
import { validationReadHandlers } from '../http/biometric-validations.js';
import { collectionHandlers } from '../http/collections.js';
import { metaHandlers } from '../http/meta.js';
import { personHandlers } from '../http/persons.js';
import { projectFlowHandlers } from '../http/project-flows.js';
import { projectHandlers } from '../http/projects.js';

// Kept for routes/validations.ts and routes/app-registration.ts, which import them from here.
export { appRegistrationToken } from '../http/app-registrations.js';
export { captureUrl, flowNotFound, projectNotFound } from '../http/common.js';
export { withExpiry } from '../resources/app-registrations.js';
export { SEARCH_DEFAULTS } from '../resources/project-flows.js';

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
