import { bundlePaths, Contract, type Json, seedRequests as readSeedRequests } from '@faceproof/openapi';

/** The bundled spec, exactly as every other package consumes it, read with the contract toolkit. */
export const contract = new Contract();
export const spec = contract.spec;
export const specPath = bundlePaths.yaml;
export const seedRequests = readSeedRequests();
export const operations = contract.operations;
export type { ObservedResponse, Operation } from '@faceproof/openapi';

export const operation = (operationId: string) => contract.operation(operationId);
export const resolveRef = (node: Json): Json => contract.resolve(node);
export const requestExamples = (operationId: string) => contract.requestExamples(operationId);
/** Every (operation, status) the spec documents, with its named examples. */
export const documentedResponses = () => contract.documentedResponses();
export const contractViolations = contract.violations.bind(contract);
