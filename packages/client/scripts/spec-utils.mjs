// Reads what the client needs from a bundled OpenAPI document: its operations and the error codes
// each declares through named examples. Shared by the generator, the breaking-change check and the
// tests, so that all three read the spec the same way.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows local `$ref`s (`#/components/...`) of a bundled document. */
export function deref(spec, node) {
  let n = node;
  const seen = new Set();
  while (n && typeof n === 'object' && typeof n.$ref === 'string') {
    if (seen.has(n.$ref)) throw new Error(`circular $ref ${n.$ref}`);
    seen.add(n.$ref);
    if (!n.$ref.startsWith('#/')) throw new Error(`only local $refs are supported in a bundle: ${n.$ref}`);
    n = n.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((o, k) => (o == null ? undefined : o[k]), spec);
    if (n === undefined) throw new Error(`unresolved $ref ${[...seen].at(-1)}`);
  }
  return n;
}

/** Every operation: { operationId, method, path, operation }. */
export function operationsOf(spec) {
  const out = [];
  for (const [path, item0] of Object.entries(spec.paths ?? {})) {
    const item = deref(spec, item0);
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (!operation.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      out.push({ operationId: operation.operationId, method, path, operation });
    }
  }
  return out;
}

/**
 * Named examples of every response: [{ operationId, status, name, value }], JSON media types only.
 */
export function responseExamplesOf(spec) {
  const out = [];
  for (const { operationId, operation } of operationsOf(spec)) {
    for (const [status, res0] of Object.entries(operation.responses ?? {})) {
      const res = deref(spec, res0);
      for (const [mediaType, media] of Object.entries(res.content ?? {})) {
        if (!/json/.test(mediaType)) continue;
        for (const [name, ex0] of Object.entries(media.examples ?? {})) {
          const ex = deref(spec, ex0);
          out.push({ operationId, status, mediaType, name, value: ex.value });
        }
      }
    }
  }
  return out;
}

/**
 * { operationId: { status: [code, ...] } } for every status from 400 up, in the order the examples
 * list them. A status whose examples carry no `code` is left out (its code is then any string).
 */
export function errorCodesOf(spec) {
  const out = {};
  for (const { operationId, status, value } of responseExamplesOf(spec)) {
    if (!/^[45]\d\d$/.test(status)) continue;
    const code = value && typeof value === 'object' ? value.code : undefined;
    if (typeof code !== 'string') continue;
    out[operationId] ??= {};
    out[operationId][status] ??= [];
    if (!out[operationId][status].includes(code)) out[operationId][status].push(code);
  }
  return out;
}
