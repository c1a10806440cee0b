import type { Handler } from '../context.js';
import { appRegistrationHandlers } from './app-registration-enrolment.js';
import { appRegistrationResourceHandlers } from './app-registrations.js';
import { validationReadHandlers } from './biometric-validations.js';
import { collectionHandlers } from './collections.js';
import { livenessChallengeHandlers } from './liveness-challenges.js';
import { metaHandlers } from './meta.js';
import { personHandlers } from './persons.js';
import { projectFlowHandlers } from './project-flows.js';
import { projectHandlers } from './projects.js';
import { validationHandlers } from './validation-sessions.js';

/** Every operation's handler, by operationId: one file per resource, thin (parse, call, save, present). */
export const handlers: Record<string, Handler> = {
  ...projectHandlers,
  ...projectFlowHandlers,
  ...collectionHandlers,
  ...personHandlers,
  ...appRegistrationResourceHandlers,
  ...validationReadHandlers,
  ...metaHandlers,
  ...validationHandlers,
  ...appRegistrationHandlers,
  ...livenessChallengeHandlers,
};
