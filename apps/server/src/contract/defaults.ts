import type { SearchMode } from '../store/types.js';
import { contract, type Json } from './bundle.js';

/**
 * The `default:` of each property of a component schema, as the spec declares them. Requests get
 * these from ajv (`useDefaults`); code that builds records without a request (the demo data) reads
 * them here, so no default is written twice.
 */
export function schemaDefaults(schemaName: string): Record<string, unknown> {
  const schema = contract.resolve(contract.spec.components.schemas[schemaName]);
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries<Json>(schema?.properties ?? {})) {
    // A `default:` may sit beside a `$ref` (the property's own default of a shared enum).
    const declared = property?.default ?? contract.resolve(property)?.default;
    if (declared !== undefined) out[name] = declared;
  }
  return out;
}

/** The minimum search score a flow gets when it leaves `searchMinScore` out: it follows the mode. */
export function defaultSearchMinScore(mode: SearchMode): number {
  const byMode = contract.spec.components.schemas.SearchMode['x-default-search-min-score'];
  const score = byMode?.[mode];
  if (typeof score !== 'number') throw new Error(`The spec declares no default search score for ${mode}`);
  return score;
}
