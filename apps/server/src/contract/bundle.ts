import {
  type AjvOptions,
  Contract,
  createAjv as createSpecAjv,
  type Json,
  rebaseRefs,
  SPEC_ID,
  type Operation as SpecOperation,
} from '@faceproof/openapi';

export type { Json };
export { SPEC_ID };

/** The bundled contract, read once: the routes, validators and response schemas come from it. */
export const contract = new Contract();
export const spec = contract.spec;

export type TokenScheme = 'clientAccessToken' | 'livenessSessionToken' | 'appRegistrationToken';

export interface Operation extends SpecOperation {
  /** The path in Fastify's syntax (`/v2/projects/:id`). */
  url: string;
  scheme: TokenScheme | undefined;
}

/** Every operation of the spec, with its Fastify route path. */
export function operations(): Operation[] {
  return contract.operations.map((o) => ({
    ...o,
    url: o.path.replace(/\{(\w+)\}/g, ':$1'),
    scheme: o.scheme as TokenScheme | undefined,
  }));
}

export const resolveRef = (node: Json): Json => contract.resolve(node);

/** An ajv 2020 with formats over the bundle's components (a new instance: options differ by use). */
export const createAjv = (opts: AjvOptions = {}) => createSpecAjv(spec, opts);

/** Rewrites local `#/components` references so a fragment can be compiled on its own. */
export const absolutize = rebaseRefs;
