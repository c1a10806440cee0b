import type { operations } from '@faceproof/openapi/types';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext, Handler } from '../context.js';

/** Every operationId of the spec. */
export type OperationId = keyof operations;

type JsonContent<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Parameters<O extends OperationId, In extends 'path' | 'query' | 'header'> = NonNullable<
  operations[O]['parameters'][In]
>;

/** The JSON body of an operation's request, as the spec's generated types have it. */
export type RequestBody<O extends OperationId> = operations[O] extends { requestBody?: infer R }
  ? JsonContent<NonNullable<R>>
  : undefined;

/** The body of an operation's 200 response. */
export type SuccessBody<O extends OperationId> = operations[O]['responses'] extends { 200: infer R }
  ? JsonContent<R>
  : never;

/** A request of operation `O`: body, query, path and headers typed from the spec (and validated by it). */
export type OperationRequest<O extends OperationId> = FastifyRequest<{
  Body: RequestBody<O>;
  Querystring: Parameters<O, 'query'>;
  Params: Parameters<O, 'path'>;
  Headers: Parameters<O, 'header'>;
}>;

export type OperationHandler<O extends OperationId> = (
  ctx: AppContext,
  req: OperationRequest<O>,
  call: { op: O; reply: FastifyReply },
) => Promise<SuccessBody<O>>;

/**
 * The handler of operation `id`, typed from the spec: its request as validated, its answer as the
 * 200 response's schema, and `op` to type the errors it throws (see `apiError` in errors.ts).
 * Curried (`operation(id)(handler)`) so that the handler is checked against a fixed operation.
 */
export function operation<O extends OperationId>(id: O) {
  return (handler: OperationHandler<O>): Record<O, Handler> => {
    const untyped: Handler = (ctx, req, reply) => handler(ctx, req as OperationRequest<O>, { op: id, reply });
    return { [id]: untyped } as Record<O, Handler>;
  };
}

/** `T` with the fields `K` present. */
export type Defaulted<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };

/**
 * `value` typed with the fields `keys` present: the request validator filled them in from the
 * spec's `default:` (the generated types keep them optional: a client may leave them out). A field
 * still missing means the spec lost that default, a defect of the server, not of the request.
 */
export function defaulted<T extends object, K extends keyof T>(value: T, ...keys: K[]): Defaulted<T, K> {
  for (const k of keys)
    if (value[k] === undefined) throw new Error(`The spec declares no default for ${String(k)}`);
  return value as Defaulted<T, K>;
}
