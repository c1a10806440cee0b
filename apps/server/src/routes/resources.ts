import type { Handler } from '../context.js';
import { appRegistrationResourceHandlers } from '../http/app-registrations.js';
import { validationReadHandlers } from '../http/biometric-validations.js';
import { collectionHandlers } from '../http/collections.js';
import {
  flowNotFound as typedFlowNotFound,
  projectNotFound as typedProjectNotFound,
} from '../http/common.js';
import { metaHandlers } from '../http/meta.js';
import { personHandlers } from '../http/persons.js';
import { projectFlowHandlers } from '../http/project-flows.js';
import { projectHandlers } from '../http/projects.js';

// Kept for routes/validations.ts and routes/app-registration.ts, which import them from here.
export { appRegistrationToken } from '../http/app-registrations.js';
export { captureUrl } from '../http/common.js';
/** createBiometricValidation's 404s (validations.ts calls them with the id only). */
export const projectNotFound = (id: string) => typedProjectNotFound('createBiometricValidation', id);
export const flowNotFound = (id: string) => typedFlowNotFound('createBiometricValidation', id);
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
