import { contract } from '../spec.js';
import type { Recorder } from './report.js';
import { type Endpoint, type Outcome, send, type WireRequest } from './send.js';

/** One store's campaign in progress: where requests go and where their answers are counted. */
export interface Session {
  to: Endpoint;
  recorder: Recorder;
}

/** A request for one of the spec's operations, as the tests' `call` describes one. */
export interface Call {
  params?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  kind?: string;
}

export interface Answer {
  status: number;
  json: any;
  outcome: Outcome;
}

/** The path of `operationId` with its `{name}` segments filled in (encoded). */
export function pathOf(
  operationId: string,
  params: Record<string, string> = {},
  query: Record<string, string> = {},
) {
  const filled = contract
    .operation(operationId)
    .path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = new URLSearchParams(query).toString();
  return search ? `${filled}?${search}` : filled;
}

export function wire(operationId: string, c: Call): WireRequest {
  const headers: Record<string, string> = { ...c.headers };
  if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return {
    operationId,
    kind: c.kind ?? 'valid',
    method: contract.operation(operationId).method,
    path: pathOf(operationId, c.params, c.query),
    headers,
    body,
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The spec's info documents the HTTP layer's `431` and `408` once, for every operation, because
 * they are answered before any operation is reached; they are checked as the envelope only.
 */
const HTTP_LAYER_STATUSES = new Set([408, 431]);

/** Whether the answer is one the spec declares for the operation (only for requests that target one). */
function violationsOf(req: WireRequest, outcome: Outcome): string[] {
  if (outcome.status === 0 || req.operationId === '(none)') return [];
  if (HTTP_LAYER_STATUSES.has(outcome.status)) return envelopeViolations(outcome);
  return contract.violations(req.operationId, outcome);
}

const errorEnvelope = contract.compile({ $ref: '#/components/schemas/ErrorResponse' });

function envelopeViolations(outcome: Outcome): string[] {
  const body = parsed(outcome.text);
  return errorEnvelope(body) ? [] : [`status ${outcome.status} is not in the error envelope`];
}

/** Sends a wire request, counts its answer under `phase`, and hands it back parsed. */
export async function exchange(session: Session, phase: string, req: WireRequest): Promise<Answer> {
  const outcome = await send(session.to, req);
  session.recorder.record(phase, req, outcome, violationsOf(req, outcome));
  return { status: outcome.status, json: parsed(outcome.text), outcome };
}

export const api = (session: Session, phase: string, operationId: string, c: Call = {}) =>
  exchange(session, phase, wire(operationId, c));

/** The `data` of a set-up request that must succeed; a campaign that cannot set up stops. */
export async function made(session: Session, phase: string, operationId: string, c: Call): Promise<any> {
  const res = await api(session, phase, operationId, c);
  if (res.status !== 200)
    throw new Error(`${phase}: ${operationId} answered ${res.status}: ${res.outcome.text}`);
  return res.json.data;
}
