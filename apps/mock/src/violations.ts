import {
  type Json,
  matchOperation as match,
  type Operation,
  operations,
  resolveRef,
} from '@faceproof/openapi';

/** One entry of Prism's `sl-violations` response header. */
export type PrismViolation = {
  location: (string | number)[];
  severity: string;
  code: string | number;
  message: string;
};

export type Issue = { path: string; message: string };

/**
 * Prism reports a request violation as `location: ["request", "body", "type"]` and a message that
 * restates the location ("Request body property type must be ..."). The documented envelope wants
 * a JSON pointer (`/body/type`) and the bare reason, as the real server sends them.
 */
export function toIssue(v: PrismViolation): Issue {
  const segments = v.location.slice(v.location[0] === 'request' ? 1 : 0).map(String);
  const missing = /must have required property '([^']+)'/.exec(v.message)?.[1];
  if (missing && segments.at(-1) !== missing) segments.push(missing);
  const path = `/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  const message = v.message.replace(
    /^Request (body|header|query|path)( parameter| property)?( \S+)? (?=must|should|is|has)/i,
    '',
  );
  return { path, message };
}

type Matcher = Operation & { invalidRequest: Json | null };

/**
 * The body the operation documents for a request that breaks the schema: the `400` example whose
 * `code` is `invalid_request` in either case, else the first `400` example.
 */
function invalidRequestExample(spec: Json, op: Json): Json | null {
  const media = resolveRef(spec, op.responses?.['400'])?.content?.['application/json'];
  const examples = Object.values<Json>(media?.examples ?? {}).map((e) => resolveRef(spec, e)?.value);
  return examples.find((v) => /^invalid_request$/i.test(v?.code ?? '')) ?? examples[0] ?? null;
}

export function operationMatchers(spec: Json): Matcher[] {
  return operations(spec).map((o) => ({ ...o, invalidRequest: invalidRequestExample(spec, o.op) }));
}

/**
 * Builds the documented `400` body for a request that Prism found to break the spec: the operation's
 * own invalid-request example, with `details` (and, where the example's `message` lists them, the
 * `message`) replaced by the real violations and `requestId` by the response's request id.
 */
export function invalidRequestBody(
  example: Json,
  violations: PrismViolation[],
  requestId: string | undefined,
): Json {
  const details = violations.map(toIssue);
  const body = structuredClone(example);
  body.details = details;
  // Keep the operation's message convention: a message equal to `code` or `<status>:<code>` stays;
  // a message that lists the violations is rebuilt from the real ones.
  if (body.message !== body.code && !String(body.message).startsWith('400:')) {
    body.message = details.map((d) => `${d.path.slice(1)} ${d.message}`).join('; ');
  }
  if (requestId && 'requestId' in body) body.requestId = requestId;
  return body;
}

/** The operation of a request, a trailing slash tolerated (`/v2/projects/`), as Prism does. */
export function matchOperation(matchers: Matcher[], method: string, pathname: string): Matcher | undefined {
  return match(matchers, method, pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname);
}
