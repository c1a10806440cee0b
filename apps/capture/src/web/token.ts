/**
 * The liveness-session token arrives in the URL fragment (never sent to a server). It is taken out
 * of the address bar at once and kept in memory, plus sessionStorage so that a reload of this tab
 * still works; it is forgotten as soon as the session can no longer be used.
 */
const key = (validationId: string) => `faceproof:capture:${validationId}`;

export function takeToken(validationId: string): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get('token');
  if (fromUrl !== null) {
    history.replaceState(history.state, '', location.pathname + location.search);
    if (fromUrl) {
      try {
        sessionStorage.setItem(key(validationId), fromUrl);
      } catch {
        // Storage disabled (private mode): memory only, a reload will need the link again.
      }
      return fromUrl;
    }
  }
  try {
    return sessionStorage.getItem(key(validationId)) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The face passed and the page waits for the emailed code: a reload shows the code screen again. */
export function rememberAwaitingCode(validationId: string): void {
  try {
    sessionStorage.setItem(`${key(validationId)}:code`, '1');
  } catch {
    // memory only
  }
}

export function isAwaitingCode(validationId: string): boolean {
  try {
    return sessionStorage.getItem(`${key(validationId)}:code`) === '1';
  } catch {
    return false;
  }
}

export function forgetToken(validationId: string): void {
  try {
    sessionStorage.removeItem(key(validationId));
    sessionStorage.removeItem(`${key(validationId)}:code`);
  } catch {
    // nothing stored
  }
}
