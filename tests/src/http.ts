import { contractViolations, type ObservedResponse, operation } from './spec.js';

export interface Call {
  operationId: string;
  /** Values for `{name}` segments of the path. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
  body?: unknown;
  /** A raw body sent as is (malformed JSON, a huge payload...). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface CallResult extends ObservedResponse {
  json: any;
  violations: string[];
}

/** Sends one request for an operation of the spec and checks the response against the spec. */
export async function call(baseUrl: string, c: Call): Promise<CallResult> {
  const { method, path } = operation(c.operationId);
  const url = new URL(
    baseUrl + path.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(c.params?.[name] ?? '')),
  );
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...c.headers };
  if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
  let body: string | Uint8Array | undefined;
  if (c.rawBody !== undefined) body = c.rawBody;
  else if (c.body !== undefined) body = JSON.stringify(c.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';

  const res = await send(url, { method, headers, body });
  const text = await res.text();
  const observed = { status: res.status, headers: res.headers, text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { ...observed, json, violations: contractViolations(c.operationId, observed) };
}

/**
 * A server may answer `413` as soon as it has read the headers of an oversized request and close
 * the connection while the body is still being sent; the client then sees EPIPE or ECONNRESET
 * instead of the answer, depending on timing. Such a request is sent again (at most three times).
 */
async function send(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array },
) {
  const large = (init.body?.length ?? 0) > 1 << 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    } catch (error: any) {
      const code = error?.cause?.code;
      if (!large || attempt >= 3 || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw error;
    }
  }
}
