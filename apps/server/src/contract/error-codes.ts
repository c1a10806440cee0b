import { errorCodes } from '@faceproof/openapi/types';

/** `{ operationId: { status: codes } }`: the error codes the spec documents, from its named examples. */
export type ErrorCodeTable = Readonly<Record<string, Readonly<Record<number, readonly string[]>>>>;

const DOCUMENTED: ErrorCodeTable = errorCodes;

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
  const codes = table[operationId]?.[status];
  if (codes?.includes(code)) return undefined;
  return codes === undefined
    ? `${operationId} does not document status ${status} (sending ${code})`
    : `${operationId} documents ${status} with ${codes.join(', ') || 'no code'}, not ${code}`;
}
