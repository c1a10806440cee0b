import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);

/** The bundled spec, exactly as every other package consumes it. */
export const spec = require('@faceproof/openapi/openapi.json');
export const specPath: string = require.resolve('@faceproof/openapi/openapi.yaml');
export const seedRequests: { source: string; operationId: string; body: unknown }[] =
  require('@faceproof/openapi/seed-requests.json').requests;

const SPEC_ID = 'https://faceproof.local/openapi.json';
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema({ $id: SPEC_ID, components: spec.components });

const compiled = new Map<string, ValidateFunction>();
function validatorFor(schema: any): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    // Local refs of the bundle (`#/components/...`) resolve against the registered spec.
    const rebased = JSON.parse(key.replaceAll('"$ref":"#/', `"$ref":"${SPEC_ID}#/`));
    validate = ajv.compile(rebased);
    compiled.set(key, validate);
  }
  return validate;
}

export function resolveRef(node: any): any {
  if (!node?.$ref) return node;
  const path = node.$ref.replace(/^#\//, '').split('/');
  return resolveRef(
    path.reduce((o: any, k: string) => o[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec),
  );
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  pathPattern: RegExp;
  op: any;
}

export const operations: Operation[] = Object.entries<any>(spec.paths).flatMap(([path, item]) =>
  Object.entries<any>(item)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => ({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      pathPattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      op,
    })),
);

export function operation(operationId: string): Operation {
  const found = operations.find((o) => o.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId} in the spec`);
  return found;
}

/** Every (operation, status) the spec documents, with its named examples. */
export function documentedResponses() {
  return operations.flatMap(({ operationId, op }) =>
    Object.entries<any>(op.responses).map(([status, response]) => {
      const media = resolveRef(response).content?.['application/json'];
      return {
        operationId,
        status,
        examples: Object.entries<any>(media?.examples ?? {}).map(([name, ex]) => ({
          name,
          value: resolveRef(ex).value,
        })),
      };
    }),
  );
}

/** The named request examples of an operation. */
export function requestExamples(operationId: string): { name: string; value: any }[] {
  const media = operation(operationId).op.requestBody?.content?.['application/json'];
  return Object.entries<any>(media?.examples ?? {}).map(([name, ex]) => ({
    name,
    value: resolveRef(ex).value,
  }));
}

export interface ObservedResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Everything that makes a response disagree with the spec: an undeclared status, an undeclared
 * content type, a body or a header that breaks its schema, a required header that is missing.
 */
export function contractViolations(operationId: string, res: ObservedResponse): string[] {
  const { op } = operation(operationId);
  const declared = op.responses[String(res.status)] ?? op.responses.default;
  if (!declared) return [`status ${res.status} is not declared for ${operationId}`];
  const response = resolveRef(declared);
  const problems: string[] = [];

  for (const [name, header] of Object.entries<any>(response.headers ?? {})) {
    const h = resolveRef(header);
    const raw = res.headers.get(name);
    if (raw === null) {
      if (h.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    const value = h.schema?.type === 'integer' || h.schema?.type === 'number' ? Number(raw) : raw;
    const validate = validatorFor(h.schema ?? {});
    if (!validate(value)) problems.push(`header ${name}: ${ajv.errorsText(validate.errors)} (got ${raw})`);
  }

  const content = response.content ?? {};
  const mediaTypes = Object.keys(content);
  if (mediaTypes.length === 0) {
    if (res.text.length > 0) problems.push('a body was sent where the spec declares none');
    return problems;
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!mediaTypes.includes(contentType)) {
    problems.push(`content type "${contentType}" is not one of ${mediaTypes.join(', ')}`);
    return problems;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [...problems, `body is not JSON: ${res.text.slice(0, 120)}`];
  }
  const validate = validatorFor(content[contentType].schema);
  if (!validate(body)) problems.push(`body: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
  return problems;
}
