import type { AppRegistration, ProjectFlow } from '../store/types.js';

/**
 * Why a flow cannot take app registrations for a project, or undefined when it can: it must be an
 * active onboarding flow of that project.
 */
export function registrationFlowRefusal(flow: ProjectFlow, projectId: string): string | undefined {
  const what =
    flow.projectId !== projectId
      ? `not a flow of project ${projectId}`
      : flow.type !== 'onboarding'
        ? `a ${flow.type} flow`
        : flow.status !== 'active'
          ? flow.status
          : undefined;
  if (what === undefined) return undefined;
  return `Project flow ${flow.id} is ${what}; app registrations need an active onboarding flow of the project.`;
}

/** Registrations still open after their expiry read as EXPIRED. */
export function withExpiry(r: AppRegistration, now = Date.now()): AppRegistration {
  if ((r.status === 'STARTED' || r.status === 'ONGOING') && Date.parse(r.expiresAt) <= now)
    return { ...r, status: 'EXPIRED' };
  return r;
}
