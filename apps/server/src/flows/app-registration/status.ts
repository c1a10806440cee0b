import type { AppRegistration, AppRegistrationStatus } from '../types.js';

/** A registration still open after its expiry reads as EXPIRED, even before anyone touched it. */
export function effectiveStatus(r: AppRegistration, now: number): AppRegistrationStatus {
  if ((r.status === 'STARTED' || r.status === 'ONGOING') && Date.parse(r.expiresAt) <= now) return 'EXPIRED';
  return r.status;
}
