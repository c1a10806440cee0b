import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The bundled artifact, as every consumer sees it. */
export const spec = JSON.parse(readFileSync(new URL('../dist/openapi.json', import.meta.url), 'utf8'));

export const SPEC_ID = 'https://faceproof.local/openapi.json';

/** An ajv 2020-12 instance that resolves `#/components/...` references of the bundle. */
export function createAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  return ajv;
}

export type Operation = { method: string; path: string; operationId: string; op: any };

export function operations(): Operation[] {
  return Object.entries<any>(spec.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ method, path, operationId: op.operationId, op })),
  );
}

export function resolveRef<T = any>(node: any): T {
  if (!node?.$ref) return node;
  const parts = node.$ref.replace(/^#\//, '').split('/');
  return resolveRef(parts.reduce((o: any, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec));
}
