/** The bundled spec and the named examples of the validate and confirm operations, read with the toolkit. */
import { Contract } from '@faceproof/openapi';

export const contract = new Contract();
export const spec = contract.spec;

export interface NamedExample {
  status: number;
  name: string;
  value: any;
}

function examplesOf(operationId: string): NamedExample[] {
  return contract
    .responseExamples()
    .filter((e) => e.operationId === operationId && e.mediaType === 'application/json')
    .map((e) => ({ status: Number(e.status), name: e.name, value: structuredClone(e.value) }));
}

/** Every documented response example of validateBiometricValidation. */
export const validateExamples = (): NamedExample[] => examplesOf('validateBiometricValidation');
/** Every documented response example of confirmBiometricValidationCode. */
export const confirmExamples = (): NamedExample[] => examplesOf('confirmBiometricValidationCode');

function pick(all: NamedExample[], status: number, name: string): any {
  const found = all.find((e) => e.status === status && e.name === name);
  if (!found) throw new Error(`the spec has no ${status} example named ${name}`);
  return found.value;
}

/** Every documented response example of createLivenessChallenge. */
export const challengeExamples = (): NamedExample[] => examplesOf('createLivenessChallenge');
/** One named example of createLivenessChallenge, deep-copied. */
export const challengeExample = (status: number, name: string): any =>
  pick(challengeExamples(), status, name);

/** One named example of validateBiometricValidation, deep-copied. */
export const example = (status: number, name: string): any => pick(validateExamples(), status, name);
/** One named example of confirmBiometricValidationCode, deep-copied. */
export const confirmExample = (status: number, name: string): any => pick(confirmExamples(), status, name);

const confirmRequest = contract.requestExamples('confirmBiometricValidationCode');
/** The code of the confirm operation's request example: the one the stand-in accepts. */
export const documentedCode: string = confirmRequest.find((e) => e.name === 'code')?.value.code;
