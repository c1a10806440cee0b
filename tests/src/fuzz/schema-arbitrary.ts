import fc from 'fast-check';
import { invalidUrls } from './safe-urls.js';

type Schema = Record<string, any>;

/** How a schema is read: `$ref`s resolved by the contract, and arbitraries that replace a property's. */
export interface SchemaContext {
  resolve(node: unknown): Schema;
  /** By property name: values the campaign knows (ids it made, images), used instead of the schema's. */
  overrides: Record<string, fc.Arbitrary<unknown>>;
}

/** Strings are kept short unless a boundary is the point; the mutator makes the huge ones. */
const MAX_GENERATED_LENGTH = 40;

/** Values that satisfy `schema` (the subset of JSON Schema 2020-12 the spec's request bodies use). */
export function arbitraryFor(schema0: unknown, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const schema = ctx.resolve(schema0) ?? {};
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.type))
    return fc.oneof(...schema.type.map((type: string) => arbitraryFor({ ...schema, type }, ctx)));
  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, ctx);
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}, ctx), {
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean());
  }
}

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'uri') return invalidUrls;
  if (schema.format === 'email')
    return fc.stringMatching(/^[a-z0-9.]{1,20}$/).map((local) => `${local}@fuzz.example.invalid`);
  if (schema.format === 'date-time')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (schema.format === 'uuid') return fc.uuid();
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(
    minLength,
    Math.min(schema.maxLength ?? MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH),
  );
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

/**
 * The branches of a `oneOf`/`anyOf` that only add required properties (`email`, or `phone` with
 * `countryCode`): one is picked, so a generated body usually satisfies the combination.
 */
function branchRequirements(schema: Schema, ctx: SchemaContext): string[][] {
  const branches = [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].map((b) => ctx.resolve(b));
  return branches.filter((b) => Array.isArray(b.required)).map((b) => b.required as string[]);
}

function objectArbitrary(schema: Schema, ctx: SchemaContext): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, unknown> = schema.properties ?? {};
  const value = (name: string) => ctx.overrides[name] ?? arbitraryFor(properties[name], ctx);
  const record = (required: string[]) =>
    fc.record(Object.fromEntries(Object.keys(properties).map((name) => [name, value(name)])), {
      requiredKeys: Object.keys(properties).filter((p) => required.includes(p)),
    });
  const base: string[] = schema.required ?? [];
  const branches = branchRequirements(schema, ctx);
  const body =
    branches.length === 0
      ? record(base)
      : fc.constantFrom(...branches).chain((extra) => record([...base, ...extra]));
  const atLeast = schema.minProperties ?? 0;
  return body.filter((b) => Object.keys(b).length >= atLeast) as fc.Arbitrary<Record<string, unknown>>;
}
