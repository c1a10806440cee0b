import { Ajv2020, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Json, OpenApiDocument } from './json.js';

export type { ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv/dist/2020.js';
export type { Ajv2020 };

/** The `$id` under which the bundle's components are registered with ajv. */
export const SPEC_ID = 'https://faceproof.local/openapi.json';

/**
 * An ajv (JSON Schema 2020-12, the dialect of OAS 3.1) with formats, that knows the bundle's
 * `components` under {@link SPEC_ID}. `strict: false` because OAS keywords (`example`,
 * `discriminator`, `xml`) sit inside the schemas.
 */
export function createAjv(spec: OpenApiDocument, options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ...options });
  addFormats.default(ajv);
  ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  return ajv;
}

/**
 * A copy of a fragment of the bundle whose local refs (`#/components/...`) point into the
 * registered bundle (`SPEC_ID#/components/...`), so the fragment compiles on its own.
 */
export function rebaseRefs(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(rebaseRefs);
  if (schema && typeof schema === 'object') {
    const out: Json = {};
    for (const [key, value] of Object.entries(schema))
      out[key] =
        key === '$ref' && typeof value === 'string' && value.startsWith('#/')
          ? `${SPEC_ID}${value}`
          : rebaseRefs(value);
    return out;
  }
  return schema;
}

const compiledBy = new WeakMap<Ajv2020, Map<string, ValidateFunction>>();

/** Compiles a schema taken from the bundle (refs rebased), once per ajv and distinct schema. */
export function compileFragment(ajv: Ajv2020, schema: Json): ValidateFunction {
  let cache = compiledBy.get(ajv);
  if (!cache) {
    cache = new Map();
    compiledBy.set(ajv, cache);
  }
  const key = JSON.stringify(schema ?? {});
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(rebaseRefs(schema ?? {}));
    cache.set(key, validate);
  }
  return validate;
}
