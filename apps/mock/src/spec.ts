import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The bundled spec's path, as `@faceproof/openapi` publishes it. */
// createRequire rather than import.meta.resolve: vitest's module runner (which loads this file in
// other packages' tests) does not support the latter.
export const specPath = createRequire(import.meta.url).resolve('@faceproof/openapi/openapi.json');

// biome-ignore lint/suspicious/noExplicitAny: the spec is plain JSON walked generically.
export type Json = any;

export function loadSpec(path = specPath): Json {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Follows local `#/...` references of the bundle until a node without `$ref`. */
export function resolveRef(spec: Json, node: Json): Json {
  let current = node;
  for (let depth = 0; current?.$ref && depth < 32; depth++) {
    const parts = String(current.$ref).replace(/^#\//, '').split('/');
    current = parts.reduce((o: Json, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return current;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type OperationEntry = { method: string; path: string; operationId: string; op: Json };

export function operations(spec: Json): OperationEntry[] {
  return Object.entries<Json>(spec.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({
      method,
      path,
      operationId: item[method].operationId ?? `${method} ${path}`,
      op: item[method],
    })),
  );
}
