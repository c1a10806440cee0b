import { type Json, operations, resolveRef } from '@faceproof/openapi';

/** One documented response of one operation, and how to ask the mock for it. */
export type Scenario = {
  operationId: string;
  method: string;
  path: string;
  status: number;
  /** The named example's key under the response's `examples`. */
  example: string;
  summary: string;
  /** The value of the `Prefer` header that selects this response. */
  prefer: string;
  /** The security scheme the operation accepts, when it needs a bearer token. */
  security: string | null;
  /** The operation's first named request example, sent as the body of a well-formed request. */
  requestExample: string | null;
  /** The response's media type. */
  mediaType: string;
};

/** Every (operation, status, example) of the spec, in document order. */
export function listScenarios(spec: Json): Scenario[] {
  return operations(spec).flatMap(({ method, path, operationId, op, scheme }) => {
    const security = scheme ?? null;
    const requestMedia = resolveRef(spec, op.requestBody)?.content ?? {};
    const firstRequestMedia = Object.values<Json>(requestMedia)[0];
    const requestExample = Object.keys(firstRequestMedia?.examples ?? {})[0] ?? null;
    return Object.entries<Json>(op.responses ?? {}).flatMap(([status, ref]) => {
      if (!/^\d{3}$/.test(status)) return [];
      const response = resolveRef(spec, ref);
      return Object.entries<Json>(response?.content ?? {}).flatMap(([mediaType, media]) =>
        Object.entries<Json>(media.examples ?? {}).map(([example, exRef]) => ({
          operationId,
          method,
          path,
          status: Number(status),
          example,
          summary: String(resolveRef(spec, exRef)?.summary ?? ''),
          prefer: `code=${status}, example=${example}`,
          security,
          requestExample,
          mediaType,
        })),
      );
    });
  });
}

/** A table cell: pipes escaped, on one line. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table with its columns padded the way Biome formats them, so `biome check` and the drift check agree. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The Markdown table of the README: one row per scenario, with the exact header to send. */
export function scenariosTable(scenarios: Scenario[]): string {
  return markdownTable(
    ['Operation', 'Request', 'Status', 'Example', 'What it shows', 'Header to send'],
    scenarios.map((s) => [
      `\`${s.operationId}\``,
      `\`${s.method} ${s.path}\``,
      String(s.status),
      `\`${s.example}\``,
      cell(s.summary),
      `\`Prefer: ${s.prefer}\``,
    ]),
  );
}
