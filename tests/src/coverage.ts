import { documentedResponses } from './spec.js';

/** Which (operation, status) pairs each target was seen answering. */
export class Coverage {
  private readonly seen = new Map<string, Set<string>>();

  record(target: string, operationId: string, status: number) {
    const key = `${operationId} ${status}`;
    const set = this.seen.get(target) ?? new Set<string>();
    set.add(key);
    this.seen.set(target, set);
  }

  /** Documented pairs a target never answered. */
  missing(target: string): string[] {
    const set = this.seen.get(target) ?? new Set();
    return documentedResponses()
      .map((r) => `${r.operationId} ${r.status}`)
      .filter((key) => !set.has(key));
  }

  table(targets: string[]): string {
    const rows = documentedResponses().map((r) => {
      const key = `${r.operationId} ${r.status}`;
      return [
        r.operationId,
        r.status,
        ...targets.map((t) => (this.seen.get(t)?.has(key) ? 'reached' : 'MISSING')),
      ];
    });
    const header = ['operation', 'status', ...targets];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  }
}
