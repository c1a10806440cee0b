import { type Json, operations, resolveRef } from './bundle.js';

/** `{ operationId: { status: codes } }`: the error codes the spec documents, from its named examples. */
export type ErrorCodeTable = Record<string, Record<string, readonly string[]>>;

function documentedCodes(): ErrorCodeTable {
  const out: ErrorCodeTable = {};
  for (const { operationId, op } of operations()) {
    const byStatus: Record<string, string[]> = {};
    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      if (!/^[45]\d\d$/.test(status)) continue;
      const examples = Object.values<Json>(
        resolveRef(response).content?.['application/json']?.examples ?? {},
      );
      const codes = examples.map((e) => resolveRef(e).value?.code).filter((c) => typeof c === 'string');
      byStatus[status] = [...new Set<string>(codes)];
    }
    out[operationId] = byStatus;
  }
  return out;
}

const DOCUMENTED = documentedCodes();

/**
 * Why an error body about to be sent is not one the spec documents for the operation and status,
 * or undefined when it is. Errors outside any operation (an unknown route's 404) and the 500 of a
 * defect are not the spec's to list.
 */
export function undocumentedError(
  operationId: string | undefined,
  status: number,
  code: string,
  table: ErrorCodeTable = DOCUMENTED,
): string | undefined {
  if (operationId === undefined || status === 500) return undefined;
  const codes = table[operationId]?.[String(status)];
  if (codes?.includes(code)) return undefined;
  return codes === undefined
    ? `${operationId} does not document status ${status} (sending ${code})`
    : `${operationId} documents ${status} with ${codes.join(', ') || 'no code'}, not ${code}`;
}
