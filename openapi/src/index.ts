export {
  type Ajv2020,
  type AjvOptions,
  compileFragment,
  createAjv,
  type ErrorObject,
  rebaseRefs,
  SPEC_ID,
  type ValidateFunction,
} from './ajv.js';
export { bundlePaths, loadBundle, type SeedRequest, seedRequests } from './bundle.js';
export { Contract } from './contract.js';
export {
  type DocumentedResponse,
  documentedResponses,
  type ErrorCodeTable,
  errorCodes,
  type NamedExample,
  type ResponseExample,
  requestExamples,
  responseExamples,
} from './examples.js';
export type { Json, OpenApiDocument } from './json.js';
export {
  findOperation,
  HTTP_METHODS,
  type HttpMethod,
  matchOperation,
  type Operation,
  operations,
  webhookOperations,
} from './operations.js';
export { resolveRef } from './refs.js';
export {
  type ObservedRequest,
  type ObservedResponse,
  requestViolations,
  responseViolations,
} from './responses.js';
