import fc from 'fast-check';
import { BAD_IMAGES, pngDeclaring } from '../bad-input.js';
import { dataUri, photos } from '../images.js';
import type { Operation } from '../spec.js';
import { contract } from '../spec.js';
import { pathOf } from './client.js';
import type { Pool } from './pool.js';
import { confineUrls } from './safe-urls.js';
import { arbitraryFor } from './schema-arbitrary.js';
import type { WireRequest } from './send.js';

/** A request for one operation before it is put on the wire: what the mutator works on. */
export interface Planned {
  operationId: string;
  params: Record<string, string>;
  query: Record<string, string>;
  token?: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

/** Which pool list holds the ids of an operation's `{id}`, by the path's first segment after /v2/. */
const ID_LISTS: Record<string, keyof Pool> = {
  projects: 'projects',
  'project-flows': 'flows',
  collections: 'collections',
  persons: 'persons',
  'app-registrations': 'registrations',
  'biometric-validations': 'validations',
};

const TOKEN_LISTS: Record<string, keyof Pool> = {
  livenessSessionToken: 'sessionTokens',
  appRegistrationToken: 'registrationTokens',
};

function pick(pool: Pool, list: keyof Pool): fc.Arbitrary<string> {
  const values = pool[list];
  return Array.isArray(values) && values.length > 0 ? fc.constantFrom(...values) : fc.constant('');
}

/** Mostly one of the pool's ids, sometimes any string the schema allows. */
const idOr = (pool: Pool, list: keyof Pool) =>
  fc.oneof(
    { arbitrary: pick(pool, list), weight: 6 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 1 },
  );

/** Images cheap to refuse, and now and then a real photo without a face (analysis costs CPU). */
function images(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: BAD_IMAGES, weight: 30 },
    { arbitrary: fc.constant(`data:image/png;base64,${pngDeclaring(64, 64).toString('base64')}`), weight: 8 },
    { arbitrary: fc.constant(dataUri(photos.nonFace)), weight: 1 },
  );
}

function overrides(pool: Pool) {
  return {
    project: idOr(pool, 'projects'),
    projectFlow: idOr(pool, 'flows'),
    assignedCollection: fc.oneof(idOr(pool, 'collections'), fc.constant(null)),
    collection: idOr(pool, 'collections'),
    image: images(),
  };
}

function tokenFor(op: Operation, pool: Pool): fc.Arbitrary<string | undefined> {
  if (!op.scheme) return fc.constant(undefined);
  const list = TOKEN_LISTS[op.scheme];
  return list ? pick(pool, list) : fc.constant(pool.clientToken);
}

function paramsFor(op: Operation, pool: Pool): fc.Arbitrary<Record<string, string>> {
  if (!op.path.includes('{id}')) return fc.constant({});
  const list = ID_LISTS[op.path.split('/')[2] ?? ''] ?? 'projects';
  return idOr(pool, list).map((id) => ({ id }));
}

function queryFor(op: Operation, pool: Pool): fc.Arbitrary<Record<string, string>> {
  const ctx = { resolve: (n: unknown) => contract.resolve(n as never), overrides: overrides(pool) };
  const entries = op.parameters
    .filter((p) => p.in === 'query')
    .map((p) => [
      p.name,
      fc.option((ctx.overrides as any)[p.name] ?? arbitraryFor(p.schema, ctx), { nil: undefined }),
    ]);
  return fc
    .record(Object.fromEntries(entries))
    .map((q) => Object.fromEntries(Object.entries(q).flatMap(([k, v]) => queryPairs(k, v))));
}

/**
 * A generated query value as name/value pairs: a scalar as itself, an object parameter (the list
 * conventions' `where_<field>` / `in_<field>[]`, style form, exploded) as one pair per property.
 */
function queryPairs(name: string, value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object') return [[name, String(value)]];
  return Object.entries(value).map(([k, v]) => [
    k,
    typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v),
  ]);
}

function headersFor(op: Operation): fc.Arbitrary<Record<string, string>> {
  const idempotent = op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  if (!idempotent) return fc.constant({});
  return fc
    .option(fc.uuid(), { nil: undefined })
    .map((key): Record<string, string> => (key ? { 'idempotency-key': key } : {}));
}

function bodyFor(
  op: Operation,
  pool: Pool,
  canaryPort: number,
): fc.Arbitrary<Record<string, unknown> | undefined> {
  const schema = op.op.requestBody?.content?.['application/json']?.schema;
  if (!schema) return fc.constant(undefined);
  const ctx = { resolve: (n: unknown) => contract.resolve(n as never), overrides: overrides(pool) };
  return arbitraryFor(schema, ctx).map((b) => confineUrls(b, canaryPort) as Record<string, unknown>);
}

/** Requests of `op` that follow its schemas: the parameters, the headers and the body it declares. */
export function plannedFor(op: Operation, pool: Pool, canaryPort: number): fc.Arbitrary<Planned> {
  return fc.record({
    operationId: fc.constant(op.operationId),
    params: paramsFor(op, pool),
    query: queryFor(op, pool),
    token: tokenFor(op, pool),
    headers: headersFor(op),
    body: bodyFor(op, pool, canaryPort),
  });
}

export function toWire(p: Planned, kind: string): WireRequest {
  const headers: Record<string, string> = { ...p.headers };
  if (p.token !== undefined) headers.authorization = `Bearer ${p.token}`;
  const body = p.body === undefined ? undefined : JSON.stringify(p.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const { method } = contract.operation(p.operationId);
  return {
    operationId: p.operationId,
    kind,
    method,
    path: pathOf(p.operationId, p.params, p.query),
    headers,
    body,
  };
}

/** Every operation's schema-following requests, operations weighted equally. */
export function schemaRequests(pool: Pool, canaryPort: number): fc.Arbitrary<Planned> {
  return fc.oneof(...contract.operations.map((op) => plannedFor(op, pool, canaryPort)));
}

/** The named request examples of `op`, the ids they name replaced by the pool's. */
function examplesFor(op: Operation, pool: Pool, canaryPort: number): fc.Arbitrary<Planned> | undefined {
  const examples = contract
    .requestExamples(op.operationId)
    .filter((e) => e.value && typeof e.value === 'object');
  if (examples.length === 0) return undefined;
  const ids = overrides(pool);
  const substituted = fc.constantFrom(...examples).chain((e) => {
    const value = e.value as Record<string, unknown>;
    const present = Object.keys(ids).filter((k) => k in value) as (keyof typeof ids)[];
    return fc
      .record(Object.fromEntries(present.map((k) => [k, ids[k]])))
      .map((picked) => ({ ...value, ...picked }));
  });
  return fc.tuple(plannedFor(op, pool, canaryPort), substituted).map(([planned, body]) => ({
    ...planned,
    body: confineUrls(body, canaryPort) as Record<string, unknown>,
  }));
}

/** Every operation's named request examples, with the pool's ids: the valid bodies the mutator breaks. */
export function exampleRequests(pool: Pool, canaryPort: number): fc.Arbitrary<Planned> {
  return fc.oneof(...contract.operations.flatMap((op) => examplesFor(op, pool, canaryPort) ?? []));
}
