/** The bundled spec and the named examples of the validate operation, $refs resolved. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const spec = require('@faceproof/openapi/openapi.json');
const operation = spec.paths['/v2/biometric-validations/validate'].post;

function deref(node: any): any {
  let n = node;
  while (n && typeof n.$ref === 'string' && n.$ref.startsWith('#/')) {
    n = n.$ref
      .slice(2)
      .split('/')
      .map((s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc: any, key: string) => acc?.[key], spec);
  }
  return n;
}

export interface NamedExample {
  status: number;
  name: string;
  value: any;
}

/** Every documented response example of validateBiometricValidation. */
export function validateExamples(): NamedExample[] {
  const out: NamedExample[] = [];
  for (const [status, response] of Object.entries<any>(operation.responses)) {
    const examples = deref(response)?.content?.['application/json']?.examples ?? {};
    for (const [name, ex] of Object.entries<any>(examples)) {
      out.push({ status: Number(status), name, value: structuredClone(deref(ex).value) });
    }
  }
  return out;
}

/** One named example of validateBiometricValidation, deep-copied. */
export function example(status: number, name: string): any {
  const found = validateExamples().find((e) => e.status === status && e.name === name);
  if (!found) throw new Error(`the spec has no ${status} example named ${name}`);
  return found.value;
}
