import fc from 'fast-check';

/**
 * Where a fuzzed request may point the server. Webhook URLs go to loopback forms the default
 * outbound policy refuses, all aimed at the campaign's own canary listener (so a policy that let
 * one through is counted, and still never leaves the machine) and never a name needing DNS.
 * Redirect URLs, which the server only hands back, go to names under `example.invalid`.
 */
export function loopbackForms(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/hook`,
    `http://localhost:${port}/hook`,
    `http://[::1]:${port}/hook`,
    `http://127.1:${port}/hook`,
    `http://0x7f000001:${port}/hook`,
    `http://2130706433:${port}/hook`,
    `http://[::ffff:127.0.0.1]:${port}/hook`,
    `https://127.0.0.1:${port}/hook`,
  ];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '[::ffff:7f00:1]']);

/**
 * Whether a URL (as WHATWG URL normalises it) is one a fuzzed request may name: a name under
 * `example.invalid`, or loopback on the canary's port only (another port may be someone's server).
 */
export function isSafeUrl(url: URL, canaryPort: number): boolean {
  const host = url.hostname;
  if (host === 'example.invalid' || host.endsWith('.example.invalid')) return true;
  return LOOPBACK_HOSTS.has(host) && url.port === String(canaryPort);
}

/** `text` as a URL when it parses as one with a host. */
function urlOf(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.hostname === '' ? undefined : url;
}

export const invalidUrls = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
    fc.constantFrom('', '/', '/done', '/a/b?x=1', '/cb#frag'),
    fc.constantFrom('https', 'http'),
  )
  .map(([label, path, scheme]) => `${scheme}://${label}.example.invalid${path}`);

/** A replacement for an unsafe URL, picked from the text itself so that a seed replays. */
function replacement(text: string, webhookPort: number, key: string | undefined): string {
  let h = 0;
  for (const c of text) h = (h * 31 + (c.codePointAt(0) ?? 0)) >>> 0;
  if (key === 'webhookUrl') {
    const forms = loopbackForms(webhookPort);
    return forms[h % forms.length] as string;
  }
  return `https://r${h.toString(36)}.example.invalid/done`;
}

/**
 * `value` with every string that parses as a URL with a host outside loopback and
 * `example.invalid` rewritten (under any key, at any depth): the last step of every generated or
 * mutated body, so no mutation can make the server dial the outside world.
 */
export function confineUrls(value: unknown, webhookPort: number, key?: string): unknown {
  if (typeof value === 'string') {
    const url = urlOf(value);
    return url === undefined || isSafeUrl(url, webhookPort) ? value : replacement(value, webhookPort, key);
  }
  if (Array.isArray(value)) return value.map((v) => confineUrls(v, webhookPort, key));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, confineUrls(v, webhookPort, k)]));
  return value;
}

/** Every string in `value` naming a host a fuzzed request must not: empty when it is confined. */
export function unsafeUrls(value: unknown, canaryPort: number): string[] {
  if (typeof value === 'string') {
    const url = urlOf(value);
    return url === undefined || isSafeUrl(url, canaryPort) ? [] : [value];
  }
  if (Array.isArray(value)) return value.flatMap((v) => unsafeUrls(v, canaryPort));
  if (value && typeof value === 'object')
    return Object.values(value).flatMap((v) => unsafeUrls(v, canaryPort));
  return [];
}
