// The contract toolkit on small documents made for each case, and on the real bundle.
import { describe, expect, it } from 'vitest';
import { errorCodesSource, schemaSource } from '../src/generate-types.js';
import {
  bundlePaths,
  Contract,
  compileFragment,
  createAjv,
  documentedResponses,
  errorCodes,
  loadBundle,
  matchOperation,
  operations,
  rebaseRefs,
  requestExamples,
  resolveRef,
  responseViolations,
  SPEC_ID,
  seedRequests,
  webhookOperations,
} from '../src/index.js';

const Thing = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', format: 'uuid' }, note: { $ref: '#/components/schemas/Note' } },
};

/** A document with every shape the toolkit must handle, and nothing else. */
function fixture(): any {
  return {
    openapi: '3.1.0',
    info: { title: 'fixture', version: '1.0.0' },
    paths: {
      '/things/{id}': {
        summary: 'One thing',
        description: 'Path-item keys that are not methods.',
        servers: [{ url: 'https://api.example.invalid' }],
        parameters: [{ $ref: '#/components/parameters/Id' }, { name: 'v', in: 'query', schema: {} }],
        get: {
          operationId: 'getThing',
          security: [{ token: [] }],
          parameters: [{ name: 'v', in: 'query', schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'ok',
              headers: {
                'X-Count': { required: true, schema: { type: 'integer', minimum: 0 } },
                'X-Optional': { schema: { type: 'string', maxLength: 3 } },
              },
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/Thing' },
                  examples: { one: { $ref: '#/components/examples/One' } },
                },
              },
            },
            '404': { $ref: '#/components/responses/NotFound' },
            '204': { description: 'nothing' },
          },
        },
        delete: { operationId: 'deleteThing', security: [], responses: { default: { description: 'any' } } },
      },
      '/a.b': { $ref: '#/components/pathItems/Dotted' },
    },
    webhooks: {
      thingChanged: {
        post: {
          operationId: 'onThingChanged',
          parameters: [
            { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string', minLength: 3 } },
          ],
          requestBody: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          responses: { '200': { description: 'received' } },
        },
      },
    },
    security: [{ root: [] }],
    components: {
      schemas: { Thing, Note: { type: 'string', maxLength: 5 } },
      parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
      examples: {
        One: { summary: 'A thing', value: { id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e' } },
        Gone: { value: { code: 'THING_NOT_FOUND' } },
      },
      responses: {
        NotFound: {
          description: 'not found',
          content: {
            'application/json': {
              schema: { type: 'object' },
              examples: {
                gone: { $ref: '#/components/examples/Gone' },
                again: { value: { code: 'THING_NOT_FOUND' } },
              },
            },
          },
        },
      },
      pathItems: {
        Dotted: {
          post: {
            operationId: 'postDotted',
            requestBody: {
              content: {
                'application/json': {
                  schema: { type: 'object' },
                  examples: { empty: { summary: 'Empty', value: {} } },
                },
              },
            },
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    },
  };
}

const observed = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers({ 'content-type': 'application/json', ...headers }),
  text: body === undefined ? '' : JSON.stringify(body),
});

describe('resolveRef', () => {
  it('follows a chain of refs, decoding ~1 and ~0', () => {
    const spec = { a: { $ref: '#/b~1c' }, 'b/c': { $ref: '#/d~0e' }, 'd~e': { value: 1 } };
    expect(resolveRef(spec, spec.a)).toEqual({ value: 1 });
  });

  it('returns nodes without $ref, and undefined, as they are', () => {
    const node = { type: 'string' };
    expect(resolveRef({}, node)).toBe(node);
    expect(resolveRef({}, undefined)).toBeUndefined();
  });

  it('names the cycle instead of looping', () => {
    const spec = { a: { $ref: '#/b' }, b: { $ref: '#/a' } };
    expect(() => resolveRef(spec, { $ref: '#/a' })).toThrow('circular $ref: #/a -> #/b -> #/a');
  });

  it('fails clearly on a ref to nothing and on a non-local ref', () => {
    expect(() => resolveRef({ a: {} }, { $ref: '#/a/missing' })).toThrow('unresolved $ref #/a/missing');
    expect(() => resolveRef({}, { $ref: 'other.yaml#/x' })).toThrow('only local $refs');
  });
});

describe('operations', () => {
  const spec = fixture();

  it('lists only HTTP methods of each path item, path-item refs resolved, in document order', () => {
    expect(operations(spec).map((o) => `${o.method} ${o.path} ${o.operationId}`)).toEqual([
      'GET /things/{id} getThing',
      'DELETE /things/{id} deleteThing',
      'POST /a.b postDotted',
    ]);
  });

  it("merges the path item's parameters into the operation's, the operation's winning", () => {
    const [get] = operations(spec);
    expect(get?.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'v', in: 'query', schema: { type: 'integer' } },
    ]);
  });

  it("takes the security scheme from the operation, else the document's; none for `security: []`", () => {
    expect(operations(spec).map((o) => o.scheme)).toEqual(['token', undefined, 'root']);
  });

  it('matches concrete paths, dots taken literally', () => {
    const ops = operations(spec);
    expect(matchOperation(ops, 'get', '/things/42')?.operationId).toBe('getThing');
    expect(matchOperation(ops, 'GET', '/things/42/more')).toBeUndefined();
    expect(matchOperation(ops, 'POST', '/a.b')?.operationId).toBe('postDotted');
    expect(matchOperation(ops, 'POST', '/aXb')).toBeUndefined();
  });

  it('lists webhooks apart from paths', () => {
    expect(webhookOperations(spec).map((o) => `${o.method} ${o.path} ${o.operationId}`)).toEqual([
      'POST thingChanged onThingChanged',
    ]);
  });

  it('refuses an operation without operationId', () => {
    expect(() => operations({ paths: { '/x': { get: { responses: {} } } } })).toThrow(
      'GET /x has no operationId',
    );
  });
});

describe('examples and error codes', () => {
  const spec = fixture();

  it('reads named request examples, with their media type and summary', () => {
    expect(requestExamples(spec, 'postDotted')).toEqual([
      { name: 'empty', mediaType: 'application/json', summary: 'Empty', description: undefined, value: {} },
    ]);
    expect(requestExamples(spec, 'getThing')).toEqual([]);
  });

  it('lists every documented status, with or without examples', () => {
    expect(
      documentedResponses(spec).map((r) => `${r.operationId} ${r.status} ${r.examples.map((e) => e.name)}`),
    ).toEqual([
      'getThing 200 one',

      'getThing 204 ',
      'getThing 404 gone,again',
      'deleteThing default ',
      'postDotted 200 ',
    ]);
  });

  it('collects each error code once per (operation, status), from 400 up', () => {
    expect(errorCodes(spec)).toEqual({ getThing: { 404: ['THING_NOT_FOUND'] } });
  });
});

describe('ajv over the bundle', () => {
  const spec = fixture();

  it('rewrites local refs into the registered bundle, and nothing else', () => {
    expect(
      rebaseRefs({ items: [{ $ref: '#/components/schemas/Thing' }], $ref: 'https://x.example.invalid/s' }),
    ).toEqual({
      items: [{ $ref: `${SPEC_ID}#/components/schemas/Thing` }],
      $ref: 'https://x.example.invalid/s',
    });
  });

  it('compiles a fragment whose refs point into components, with formats, once', () => {
    const ajv = createAjv(spec);
    const validate = compileFragment(ajv, { $ref: '#/components/schemas/Thing' });
    expect(compileFragment(ajv, { $ref: '#/components/schemas/Thing' })).toBe(validate);
    expect(validate({ id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e', note: 'hi' })).toBe(true);
    expect(validate({ id: 'not-a-uuid' })).toBe(false);
    expect(validate({ id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e', note: 'too long' })).toBe(false);
  });
});

describe('response validation', () => {
  const contract = new Contract(fixture());
  const thing = { id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e' };

  it('accepts a response that agrees with its declaration', () => {
    expect(contract.violations('getThing', observed(200, thing, { 'x-count': '3' }))).toEqual([]);
    expect(contract.violations('getThing', observed(204, undefined))).toEqual([]);
    expect(contract.violations('deleteThing', observed(500, undefined))).toEqual([]);
  });

  it('names an undeclared status', () => {
    expect(contract.violations('getThing', observed(500, {}))).toEqual([
      'status 500 is not declared for getThing',
    ]);
  });

  it('names a body that breaks the schema, a missing required header and a header that breaks its schema', () => {
    const problems = contract.violations(
      'getThing',
      observed(200, { id: thing.id, extra: 1 }, { 'x-optional': 'toolong' }),
    );
    expect(problems).toEqual([
      'required header X-Count is missing',
      expect.stringMatching(/^header X-Optional: .*must NOT have more than 3 characters \(got toolong\)$/),
      expect.stringMatching(/^body: .*must NOT have additional properties/),
    ]);
  });

  it('names an undeclared content type, a body that is not JSON and a body where none is declared', () => {
    const html = {
      status: 200,
      headers: new Headers({ 'content-type': 'text/html', 'x-count': '1' }),
      text: '<p>',
    };
    expect(contract.violations('getThing', html)).toEqual([
      'content type "text/html" is not one of application/json',
    ]);
    const broken = { ...html, headers: new Headers({ 'content-type': 'application/json', 'x-count': '1' }) };
    expect(contract.violations('getThing', broken)).toEqual(['body is not JSON: <p>']);
    expect(contract.violations('getThing', observed(204, {}))).toEqual([
      'a body was sent where the spec declares none',
    ]);
  });

  it('is the same check as the free function', () => {
    const res = observed(200, {}, { 'x-count': '-1' });
    expect(responseViolations(contract.spec, contract.ajv, 'getThing', res)).toEqual(
      contract.violations('getThing', res),
    );
  });
});

describe('request validation', () => {
  const contract = new Contract(fixture());
  const delivery = (headers: Record<string, string>, body?: unknown) => ({
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    text: body === undefined ? '' : JSON.stringify(body),
  });

  it('accepts a webhook delivery that agrees with the webhook', () => {
    const hook = contract.webhook('thingChanged');
    expect(
      contract.requestViolations(
        hook,
        delivery({ 'webhook-id': 'msg_1' }, { id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e' }),
      ),
    ).toEqual([]);
  });

  it('names a missing or broken header parameter and a body that breaks the schema', () => {
    const hook = contract.webhook('thingChanged');
    expect(contract.requestViolations(hook, delivery({}, { id: 'x' }))).toEqual([
      'required header webhook-id is missing',
      expect.stringMatching(/^body: .*must match format "uuid"/),
    ]);
    expect(
      contract.requestViolations(
        hook,
        delivery({ 'webhook-id': 'm' }, { id: '4f6b1c1e-8d7a-4f3e-9c55-0e1b2a3c4d5e' }),
      ),
    ).toEqual([
      expect.stringMatching(/^header webhook-id: .*must NOT have fewer than 3 characters \(got m\)$/),
    ]);
  });

  it('names an undeclared content type and a body that is not JSON', () => {
    const hook = contract.webhook('thingChanged');
    const text = { headers: new Headers({ 'content-type': 'text/plain', 'webhook-id': 'msg' }), text: '{' };
    expect(contract.requestViolations(hook, text)).toEqual([
      'content type "text/plain" is not one of application/json',
    ]);
    expect(contract.requestViolations(hook, { ...delivery({ 'webhook-id': 'msg' }), text: '{' })).toEqual([
      'body is not JSON: {',
    ]);
  });

  it('refuses an unknown webhook', () => {
    expect(() => contract.webhook('nothing')).toThrow('no webhook nothing in the spec');
  });
});

describe('the real bundle', () => {
  it('loads from JSON and YAML alike, with its seed requests', () => {
    expect(loadBundle(bundlePaths.yaml)).toEqual(loadBundle(bundlePaths.json));
    expect(seedRequests().length).toBeGreaterThan(0);
  });

  it('lists the webhooks of the bundle as operations', () => {
    const contract = new Contract();
    expect(contract.webhooks.map((o) => o.path)).toEqual(Object.keys(contract.spec.webhooks));
    expect(contract.webhooks.every((o) => o.method === 'POST')).toBe(true);
  });

  it('generates types for paths, webhooks and components, and the error-code table', async () => {
    const spec = loadBundle();
    spec.webhooks = fixture().webhooks;
    spec.components.schemas.Thing = Thing;
    spec.components.schemas.Note = { type: 'string' };
    const source = await schemaSource(spec);
    expect(source).toContain('export interface webhooks {');
    expect(source).toContain('onThingChanged: {');
    expect(source).toContain('export interface paths {');
    expect(errorCodesSource(spec)).toContain('    410: ["LIVENESS_SESSION_EXPIRED"],');
  });

  it("drops constraint-only anyOf branches, so a body's type is not `unknown`", async () => {
    const source = await schemaSource(loadBundle());
    const start = source.indexOf('        CreateBiometricValidationRequest: {');
    const end = source.indexOf('\n        }', start);
    expect(start).toBeGreaterThan(0);
    expect(source.slice(end, source.indexOf('\n', end + 1))).toBe('\n        };');
  });
});
