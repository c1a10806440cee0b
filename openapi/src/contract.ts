import { type Ajv2020, type AjvOptions, compileFragment, createAjv, type ValidateFunction } from './ajv.js';
import { loadBundle } from './bundle.js';
import {
  documentedResponses,
  type ErrorCodeTable,
  errorCodes,
  type NamedExample,
  requestExamples,
  responseExamples,
} from './examples.js';
import type { Json, OpenApiDocument } from './json.js';
import { findOperation, type Operation, operations, webhookOperations } from './operations.js';
import { resolveRef } from './refs.js';
import {
  type ObservedRequest,
  type ObservedResponse,
  requestViolations,
  responseViolations,
} from './responses.js';

/**
 * One bundle and everything read from it, computed once: the operations, the one ajv over its
 * components, the examples and error codes. The free functions do the same for any document.
 */
export class Contract {
  readonly spec: OpenApiDocument;
  readonly ajv: Ajv2020;
  readonly operations: readonly Operation[];
  readonly webhooks: readonly Operation[];
  readonly errorCodes: ErrorCodeTable;
  readonly #byId: Map<string, Operation>;

  constructor(spec: OpenApiDocument = loadBundle(), ajvOptions: AjvOptions = {}) {
    this.spec = spec;
    this.ajv = createAjv(spec, ajvOptions);
    this.operations = operations(spec);
    this.webhooks = webhookOperations(spec);
    this.errorCodes = errorCodes(spec);
    this.#byId = new Map(this.operations.map((o) => [o.operationId, o]));
  }

  /** The operation with that operationId; an error when the spec has none. */
  operation(operationId: string): Operation {
    return this.#byId.get(operationId) ?? findOperation(this.spec, operationId);
  }

  /** The webhook (an operation under `webhooks`) of that name; an error when the spec has none. */
  webhook(name: string): Operation {
    const found = this.webhooks.find((o) => o.path === name);
    if (!found) throw new Error(`no webhook ${name} in the spec`);
    return found;
  }

  resolve<T = Json>(node: Json): T {
    return resolveRef<T>(this.spec, node);
  }

  /** A validator for a schema of the bundle (`#/components/...` refs resolve), compiled once. */
  compile(schema: Json): ValidateFunction {
    return compileFragment(this.ajv, schema);
  }

  requestExamples(operationId: string): NamedExample[] {
    return requestExamples(this.spec, this.operation(operationId));
  }

  responseExamples() {
    return responseExamples(this.spec);
  }

  documentedResponses() {
    return documentedResponses(this.spec);
  }

  /** What makes the response disagree with the operation's declaration; empty when it agrees. */
  violations(operationId: string, res: ObservedResponse): string[] {
    return responseViolations(this.spec, this.ajv, this.operation(operationId), res);
  }

  /** What makes a request (a webhook delivery, say) disagree with its operation; empty when it agrees. */
  requestViolations(operation: Operation, req: ObservedRequest): string[] {
    return requestViolations(this.spec, this.ajv, operation, req);
  }
}
