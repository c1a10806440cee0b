import type { Json, OpenApiDocument } from './json.js';

/** The value a local JSON pointer (`#/components/schemas/X`) designates, or undefined. */
function atPointer(spec: OpenApiDocument, ref: string): Json {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((node: Json, key: string) => (node == null ? undefined : node[key]), spec);
}

/**
 * Follows the `$ref` of a node, and of what it designates, until a node without one. A bundle only
 * holds local refs (`#/...`); anything else, a ref to nothing and a cycle of refs are errors.
 * Nodes without `$ref` (and `undefined`) are returned as they are.
 */
export function resolveRef<T = Json>(spec: OpenApiDocument, node: Json): T {
  let current = node;
  const seen: string[] = [];
  while (current && typeof current === 'object' && typeof current.$ref === 'string') {
    const ref: string = current.$ref;
    if (seen.includes(ref)) throw new Error(`circular $ref: ${[...seen, ref].join(' -> ')}`);
    seen.push(ref);
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported in a bundle: ${ref}`);
    current = atPointer(spec, ref);
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return current;
}
