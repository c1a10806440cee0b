/** The bundled spec and the named examples of the validate operation, $refs resolved. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const spec = require('@faceproof/openapi/openapi.json');
const validateOperation = spec.paths['/v2/biometric-validations/validate'].post;
const confirmOperation = spec.paths['/v2/biometric-validations/confirm-2fa'].post;

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

function examplesOf(operation: any): NamedExample[] {
  const out: NamedExample[] = [];
  for (const [status, response] of Object.entries<any>(operation.responses)) {
    const examples = deref(response)?.content?.['application/json']?.examples ?? {};
    for (const [name, ex] of Object.entries<any>(examples)) {
      out.push({ status: Number(status), name, value: structuredClone(deref(ex).value) });
    }
  }
  return out;
}

/** Every documented response example of validateBiometricValidation. */
export const validateExamples = (): NamedExample[] => examplesOf(validateOperation);
/** Every documented response example of confirmBiometricValidationCode. */
export const confirmExamples = (): NamedExample[] => examplesOf(confirmOperation);

function pick(all: NamedExample[], status: number, name: string): any {
  const found = all.find((e) => e.status === status && e.name === name);
  if (!found) throw new Error(`the spec has no ${status} example named ${name}`);
  return found.value;
}

/** One named example of validateBiometricValidation, deep-copied. */
export const example = (status: number, name: string): any => pick(validateExamples(), status, name);
/** One named example of confirmBiometricValidationCode, deep-copied. */
export const confirmExample = (status: number, name: string): any => pick(confirmExamples(), status, name);
/** The code of the confirm operation's request example: the one the stand-in accepts. */
export const documentedCode: string = deref(
  confirmOperation.requestBody.content['application/json'].examples.code,
).value.code;
