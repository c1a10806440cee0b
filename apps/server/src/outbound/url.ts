/**
 * The one parse of a URL the server will call (`webhookUrl`) or hand back with a result token
 * (`redirectUrl`). Each is parsed once, when a request brings it, by the WHATWG URL parser (the
 * one browsers and undici use, so what is checked is what is later used); the normalised `href`
 * is what gets stored.
 */

export type UrlUse = 'webhook' | 'redirect';

export type CheckedUrl = { href: string; refusal?: undefined } | { refusal: string };

/** Hosts a redirect may use over plain `http:`: the developer's own machine (as RFC 8252 allows). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function checkUrl(raw: string, use: UrlUse): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Includes a port above 65535 and hosts that are not valid.
    return { refusal: 'must be an absolute URL that parses (a valid host, a port up to 65535)' };
  }
  if (url.username || url.password) return { refusal: 'must not carry credentials (user@host)' };
  if (use === 'webhook' && url.protocol !== 'https:' && url.protocol !== 'http:')
    return { refusal: 'must be an http: or https: URL' };
  if (use === 'redirect' && url.protocol !== 'https:') {
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname))
      return { refusal: 'must be an https: URL (http: only for localhost, 127.0.0.1 or [::1])' };
  }
  return { href: url.href };
}

export type CheckedOrigin = { origin: string; refusal?: undefined } | { refusal: string };

/** An entry of a flow's `allowedRedirectOrigins`: a redirect URL reduced to scheme, host and port. */
export function checkOrigin(raw: string): CheckedOrigin {
  const checked = checkUrl(raw, 'redirect');
  if (checked.refusal !== undefined) return checked;
  const url = new URL(checked.href);
  if (url.pathname !== '/' || url.search || url.hash)
    return { refusal: 'must be an origin: scheme, host and port, no path, query or fragment' };
  return { origin: url.origin };
}

/** Why `href` (a checked redirect URL) may not be used under `allowed` origins, if it may not. */
export function originRefusal(href: string, allowed: readonly string[] | undefined): string | undefined {
  if (!allowed) return undefined;
  const { origin } = new URL(href);
  return allowed.includes(origin)
    ? undefined
    : `has the origin ${origin}, not one of the flow's allowedRedirectOrigins`;
}
