import { request } from 'node:http';
import { expect } from 'vitest';
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
  /**
   * Declares this Content-Length while sending only `rawBody`: how a body over the limit is
   * tested. A server answers `413` from the header and closes the connection, so a client still
   * sending megabytes would see EPIPE instead of the answer, depending on timing.
   */
  declaredLength?: number;
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

  if (c.declaredLength !== undefined)
    return withViolations(
      c.operationId,
      await sendDeclaring(url, method, headers, body ?? '', c.declaredLength),
    );
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
  return withViolations(c.operationId, { status: res.status, headers: res.headers, text: await res.text() });
}

function withViolations(operationId: string, observed: ObservedResponse): CallResult {
  let json: unknown;
  try {
    json = JSON.parse(observed.text);
  } catch {
    json = undefined;
  }
  return { ...observed, json, violations: contractViolations(operationId, observed) };
}

function sendDeclaring(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  length: number,
): Promise<ObservedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, String(v));
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.write(body);
  });
}

/**
 * Calls `c` and expects the documented answer: no contract violation, `status`, and `code` when
 * given. `observe` sees the response first (the coverage table records it even when a check fails).
 */
export async function expectAnswer(
  baseUrl: string,
  c: Call,
  status: number,
  code?: string,
  observe?: (res: CallResult) => void,
): Promise<CallResult> {
  const res = await call(baseUrl, c);
  observe?.(res);
  expect(res.violations, `${c.operationId}: ${res.text.slice(0, 300)}`).toEqual([]);
  expect(res.status, `${c.operationId}: ${res.text.slice(0, 300)}`).toBe(status);
  if (code) expect(res.json.code).toBe(code);
  return res;
}
