import { HANG_MS, type Outcome, type WireRequest } from './send.js';

/** A request worth a line of its own in the report, replayable from what it keeps. */
export interface Notable {
  phase: string;
  index: number;
  request: {
    operationId: string;
    kind: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
  };
  status: number;
  ms: number;
  error?: string;
  answer: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a store's campaign saw. */
export interface StoreReport {
  store: 'sqlite' | 'postgres';
  durationMs: number;
  requests: number;
  /** operationId → status → count (status `0` is no answer). */
  byOperation: Record<string, Record<string, number>>;
  byPhase: Record<string, number>;
  serverErrors: Notable[];
  hangs: Notable[];
  /** Requests left without an answer (closed connections, the kill), by phase and reason. */
  unanswered: Record<string, number>;
  /** Answers the spec does not declare for their operation: by kind of violation, and the first few. */
  contractViolations: {
    count: number;
    byKind: Record<string, number>;
    examples: { request: Notable['request']; violations: string[] }[];
  };
  checks: Check[];
}

const BODY_KEPT = 2_048;

/** A violation without its operation and values: `status 431 is not declared`. */
const violationKind = (v: string) => v.replace(/ for \w+/, '').slice(0, 80);

function bodyText(body: WireRequest['body']): string | undefined {
  if (body === undefined) return undefined;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  return text.length > BODY_KEPT ? `${text.slice(0, BODY_KEPT)}… (${text.length} characters)` : text;
}

function headersKept(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, v.length > 256 ? `${v.slice(0, 256)}… (${v.length})` : v]),
  );
}

/** Counts every answer of one store's campaign and keeps the ones that fail it. */
export class Recorder {
  readonly report: StoreReport;
  #sent = 0;

  constructor(store: StoreReport['store']) {
    this.report = {
      store,
      durationMs: 0,
      requests: 0,
      byOperation: {},
      byPhase: {},
      serverErrors: [],
      hangs: [],
      unanswered: {},
      contractViolations: { count: 0, byKind: {}, examples: [] },
      checks: [],
    };
  }

  /** Counts `outcome`; an unanswered request is counted by phase and reason (the kill's are expected). */
  record(phase: string, req: WireRequest, outcome: Outcome, violations: string[] = []) {
    const r = this.report;
    const index = this.#sent++;
    r.requests++;
    r.byPhase[phase] = (r.byPhase[phase] ?? 0) + 1;
    const byStatus = r.byOperation[req.operationId] ?? {};
    r.byOperation[req.operationId] = byStatus;
    byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
    const notable = (): Notable => ({
      phase,
      index,
      request: { ...req, headers: headersKept(req.headers), body: bodyText(req.body) },
      status: outcome.status,
      ms: outcome.ms,
      error: outcome.error,
      answer: outcome.text.slice(0, 1_000),
    });
    if (outcome.status >= 500) r.serverErrors.push(notable());
    if (outcome.ms > HANG_MS) r.hangs.push(notable());
    if (outcome.status === 0) {
      const key = `${phase}: ${req.method} (${req.kind.slice(0, 40)}): ${outcome.error ?? 'no answer'}`.slice(
        0,
        160,
      );
      r.unanswered[key] = (r.unanswered[key] ?? 0) + 1;
    }
    if (violations.length > 0) {
      r.contractViolations.count++;
      for (const v of violations) {
        const kind = violationKind(v);
        r.contractViolations.byKind[kind] = (r.contractViolations.byKind[kind] ?? 0) + 1;
      }
      if (r.contractViolations.examples.length < 20)
        r.contractViolations.examples.push({ request: notable().request, violations });
    }
  }

  check(name: string, ok: boolean, detail: string) {
    this.report.checks.push({ name, ok, detail });
  }
}

/** Whether a store's campaign passes: no 5xx, no hang, every check held. */
export function passed(r: StoreReport): boolean {
  return r.serverErrors.length === 0 && r.hangs.length === 0 && r.checks.every((c) => c.ok);
}

function statusTable(reports: StoreReport[]): string[] {
  const statuses = [
    ...new Set(reports.flatMap((r) => Object.values(r.byOperation).flatMap(Object.keys))),
  ].sort();
  const ops = [...new Set(reports.flatMap((r) => Object.keys(r.byOperation)))].sort();
  const head = ['store', 'operation', ...statuses];
  const rows = reports.flatMap((r) =>
    ops
      .filter((op) => r.byOperation[op])
      .map((op) => [r.store, op, ...statuses.map((s) => String(r.byOperation[op]?.[s] ?? ''))]),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function summary(r: StoreReport): string[] {
  const seconds = (r.durationMs / 1000).toFixed(0);
  return [
    `${r.store}: ${r.requests} requests in ${seconds} s; 5xx ${r.serverErrors.length}; hangs over ${HANG_MS / 1000} s ${r.hangs.length}; ` +
      `contract violations ${r.contractViolations.count}; ${passed(r) ? 'PASSED' : 'FAILED'}`,
    `  by phase: ${Object.entries(r.byPhase)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}`,
    ...Object.entries(r.unanswered).map(([why, n]) => `  unanswered: ${n} × ${why}`),
    ...Object.entries(r.contractViolations.byKind).map(([kind, n]) => `  contract: ${n} × ${kind}`),
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
    ...r.serverErrors
      .slice(0, 10)
      .map(
        (n) =>
          `  5xx: #${n.index} ${n.request.method} ${n.request.path} (${n.request.kind}) → ${n.status} ${n.answer.slice(0, 200)}`,
      ),
    ...r.hangs
      .slice(0, 10)
      .map((n) => `  hang: #${n.index} ${n.request.method} ${n.request.path} (${n.request.kind}) ${n.ms} ms`),
  ];
}

/** The printed form of the report: counts by operation and status, then each store's findings. */
export function table(reports: StoreReport[]): string {
  return [...statusTable(reports), '', ...reports.flatMap(summary)].join('\n');
}
