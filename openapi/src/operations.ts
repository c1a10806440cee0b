import type { Json, OpenApiDocument } from './json.js';
import { resolveRef } from './refs.js';

/**
 * The keys of a Path Item Object that hold an operation (OAS 3.1 §4.8.9). Every other key
 * (`parameters`, `summary`, `description`, `servers`, `$ref`) describes the path itself.
 */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type HttpMethod = Uppercase<(typeof HTTP_METHODS)[number]>;

export interface Operation {
  operationId: string;
  /** In upper case, as on the wire (`POST`). */
  method: HttpMethod;
  /** The path template (`/v2/projects/{id}`), or the webhook's name for a webhook. */
  path: string;
  /** The Operation Object itself. */
  op: Json;
  /** The path item's and the operation's parameters, resolved; the operation's win on (in, name). */
  parameters: Json[];
  /** The security scheme the operation accepts (its first requirement's), when it needs one. */
  scheme: string | undefined;
  /** Whether the operation may also be called without any token (an empty requirement `{}`). */
  anonymous: boolean;
  /** Matches a concrete pathname of the operation (`/v2/projects/abc`). */
  pathPattern: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
}

function pathPatternOf(path: string): RegExp {
  return new RegExp(
    `^${path
      .split(/\{[^}]+\}/)
      .map(escapeRegExp)
      .join('[^/]+')}$`,
  );
}

function parametersOf(spec: OpenApiDocument, item: Json, op: Json): Json[] {
  const merged = new Map<string, Json>();
  for (const p0 of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    const p = resolveRef(spec, p0);
    merged.set(`${p.in} ${p.name}`, p);
  }
  return [...merged.values()];
}

function operationsIn(spec: OpenApiDocument, items: Record<string, Json> | undefined): Operation[] {
  return Object.entries<Json>(items ?? {}).flatMap(([path, item0]) => {
    const item = resolveRef(spec, item0);
    const methods = Object.keys(item).filter((k): k is (typeof HTTP_METHODS)[number] =>
      (HTTP_METHODS as readonly string[]).includes(k),
    );
    return methods.map((m) => {
      const op = item[m];
      if (typeof op.operationId !== 'string')
        throw new Error(`${m.toUpperCase()} ${path} has no operationId`);
      const requirements: Json[] = op.security ?? spec.security ?? [];
      const requirement = requirements[0];
      return {
        operationId: op.operationId,
        method: m.toUpperCase() as HttpMethod,
        path,
        op,
        parameters: parametersOf(spec, item, op),
        scheme: requirement ? Object.keys(requirement)[0] : undefined,
        anonymous: requirements.length > 0 && requirements.some((r) => Object.keys(r).length === 0),
        pathPattern: pathPatternOf(path),
      };
    });
  });
}

/** Every operation under `paths`, in document order (of the paths, then of the methods in each). */
export function operations(spec: OpenApiDocument): Operation[] {
  return operationsIn(spec, spec.paths);
}

/** Every operation under `webhooks` (the requests Faceproof sends), in document order. */
export function webhookOperations(spec: OpenApiDocument): Operation[] {
  return operationsIn(spec, spec.webhooks);
}

/** The operation with that operationId; an error when the spec has none. */
export function findOperation(spec: OpenApiDocument, operationId: string): Operation {
  const found = operations(spec).find((o) => o.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId} in the spec`);
  return found;
}

/** The operation a request goes to (method and concrete pathname), if any. */
export function matchOperation<T extends Operation>(
  ops: readonly T[],
  method: string,
  pathname: string,
): T | undefined {
  const upper = method.toUpperCase();
  return ops.find((o) => o.method === upper && o.pathPattern.test(pathname));
}
