import type { Issue } from '../contract/validators.js';

/** A list request in Verifik's conventions, checked: which page, how ordered, which records. */
export interface ListQuery {
  page: number;
  limit: number;
  /** A field of the list's items; newest first when absent. */
  sort?: { field: string; desc: boolean };
  /** Each filter keeps the records whose `field` is one of `values` (`where_` has one value). */
  where: { field: string; values: string[] }[];
}

const WHERE = /^where_(.+)$/;
const IN = /^in_(.+)\[\]$/;

/**
 * The conventions of a validated query (`page`, `limit` or `perPage`, `sort`, `where_<field>`,
 * `in_<field>[]`) as a ListQuery, `fields` being what the list sorts and filters by (its spec's
 * `x-list-fields`). A field the list does not have is an issue naming its parameter: a client
 * that filters expects the filter applied, so it is refused rather than ignored.
 */
export function listQuery(
  query: Record<string, unknown>,
  fields: readonly string[],
): { query: ListQuery } | { issues: Issue[] } {
  const issues: Issue[] = [];
  const known = (field: string, path: string) => {
    if (fields.includes(field)) return true;
    issues.push({ path, message: `must be one of the fields this list has: ${fields.join(', ')}` });
    return false;
  };
  const out: ListQuery = {
    page: Number(query.page),
    limit: Number(query.perPage ?? query.limit),
    where: [],
  };
  if (typeof query.sort === 'string') {
    const desc = query.sort.startsWith('-');
    const field = desc ? query.sort.slice(1) : query.sort;
    if (known(field, '/query/sort')) out.sort = { field, desc };
  }
  for (const [key, value] of Object.entries(query)) {
    const field = WHERE.exec(key)?.[1] ?? IN.exec(key)?.[1];
    if (field === undefined || !known(field, `/query/${key}`)) continue;
    out.where.push({ field, values: (Array.isArray(value) ? value : [value]).map(String) });
  }
  return issues.length ? { issues } : { query: out };
}
