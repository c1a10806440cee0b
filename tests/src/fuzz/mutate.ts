import fc from 'fast-check';
import { contract } from '../spec.js';
import { type Planned, toWire } from './requests.js';
import type { WireRequest } from './send.js';

/** One way of breaking a valid request: it names what it did, for the report. */
type Mutation = (p: Planned) => fc.Arbitrary<WireRequest> | undefined;

const JSON_VALUES = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

const fieldsOf = (p: Planned) => Object.keys(p.body ?? {});

function withField(p: Planned, field: string, value: unknown, kind: string): WireRequest {
  return toWire({ ...p, body: { ...p.body, [field]: value } }, kind);
}

function withRawBody(p: Planned, body: string | Uint8Array, kind: string, contentType = 'application/json') {
  const w = toWire({ ...p, body: undefined }, kind);
  return { ...w, body, headers: { ...w.headers, 'content-type': contentType } };
}

const dropField: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  return fc.constantFrom(...fields).map((f) => {
    const { [f]: _dropped, ...rest } = p.body ?? {};
    return toWire({ ...p, body: rest }, `drop ${f}`);
  });
};

/** The same key twice in one object: JSON.parse keeps the last, other parsers the first. */
const duplicateField: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  return fc.tuple(fc.constantFrom(...fields), JSON_VALUES).map(([f, v]) => {
    const text = JSON.stringify(p.body);
    return withRawBody(p, `{${JSON.stringify(f)}:${JSON.stringify(v)},${text.slice(1)}`, `duplicate ${f}`);
  });
};

const retypeField: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  return fc
    .tuple(fc.constantFrom(...fields), JSON_VALUES)
    .filter(([f, v]) => typeof v !== typeof p.body?.[f])
    .map(([f, v]) => withField(p, f, v, `retype ${f}`));
};

const BOUNDARY_NUMBERS = [-1, 0, -0, 0.5, 1.0000001, 11, 101, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 5e-324];

/** Numbers at and past the edges, in any field (a number where a string belongs is a retype too). */
const boundaryNumber: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  const raw = fc.constantFrom(
    '1e999',
    '-1e999',
    `1${'0'.repeat(400)}`,
    '0x10',
    '01',
    '.5',
    'NaN',
    'Infinity',
  );
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields), fc.constantFrom(...BOUNDARY_NUMBERS))
      .map(([f, n]) => withField(p, f, n, `boundary number ${n} in ${f}`)),
    fc.tuple(fc.constantFrom(...fields), raw).map(([f, n]) => {
      const text = JSON.stringify({ ...p.body, [f]: '@@n@@' }).replace('"@@n@@"', n);
      return withRawBody(p, text, `raw number ${n} in ${f}`);
    }),
  );
};

const hugeString: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  return fc
    .tuple(
      fc.constantFrom(...fields),
      fc.constantFrom(257, 4_097, 65_537, 1_048_577),
      fc.constantFrom('a', 'é', '😀', '0'),
    )
    .map(([f, n, c]) => withField(p, f, c.repeat(n), `huge string (${n} × ${c}) in ${f}`));
};

/** Text JSON allows but UTF-8 cannot carry (lone surrogates), or bytes that are not UTF-8 at all. */
const badUnicode: Mutation = (p) => {
  const fields = fieldsOf(p);
  if (fields.length === 0) return undefined;
  const escaped = fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    '\u202e\u2066',
    'e\u0301\u0301\u0301',
    '\ufeff',
    '\uffff',
  );
  const bytes = fc.constantFrom(
    [0xff],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe2, 0x82],
  );
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields), escaped)
      .map(([f, s]) => withField(p, f, s, `escaped unicode in ${f}`)),
    fc.tuple(fc.constantFrom(...fields), bytes).map(([f, b]) => {
      const [head, tail] = JSON.stringify({ ...p.body, [f]: '@@u@@' }).split('@@u@@');
      const body = Buffer.concat([Buffer.from(head ?? ''), Buffer.from(b), Buffer.from(tail ?? '')]);
      return withRawBody(p, body, `invalid UTF-8 ${Buffer.from(b).toString('hex')} in ${f}`);
    }),
  );
};

const badBase64: Mutation = (p) => {
  if (!('image' in (p.body ?? {}))) return undefined;
  const images = fc.constantFrom(
    'data:image/png;base64,',
    'data:image/png;base64,@@@@',
    'data:image/png;base64,iVBORw0KGgo=====',
    'data:image/jpeg;base64,/9j/ 4AAQ SkZJ\nRgABAQ',
    'data:;base64,AAAA',
    'data:image/png,not-base64',
    `data:${'x'.repeat(5_000)};base64,AAAA`,
    '====',
    'A',
    'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
  );
  return images.map((image) => withField(p, 'image', image, `bad base64 image ${image.slice(0, 24)}`));
};

const wrongContentType: Mutation = (p) => {
  if (p.body === undefined) return undefined;
  return fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/merge-patch+json',
      'application/json, text/plain',
      '',
      'application/',
    )
    .map((type) => withRawBody(p, JSON.stringify(p.body), `content type "${type}"`, type));
};

const malformedJson: Mutation = (p) => {
  if (p.body === undefined) return undefined;
  const text = JSON.stringify(p.body);
  return fc.oneof(
    fc
      .integer({ min: 0, max: Math.max(0, text.length - 1) })
      .map((cut) => withRawBody(p, text.slice(0, cut), 'cut JSON')),
    fc
      .constantFrom(
        `${text}garbage`,
        `\ufeff${text}`,
        `${text},${text}`,
        `[${text}]`,
        "{'a':1}",
        'null',
        '"text"',
        '[]',
      )
      .map((t) => withRawBody(p, t, `malformed JSON ${t.slice(0, 16)}`)),
    fc
      .constantFrom(1_000, 100_000)
      .map((depth) => withRawBody(p, `${'['.repeat(depth)}${']'.repeat(depth)}`, `nested ${depth} deep`)),
    fc
      .constantFrom(1_000, 50_000)
      .map((depth) =>
        withRawBody(p, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `objects nested ${depth} deep`),
      ),
  );
};

const prototypeKeys: Mutation = (p) => {
  if (p.body === undefined) return undefined;
  return fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty').map((key) => {
    const text = JSON.stringify(p.body).replace(/^\{/, `{"${key}":{"polluted":true},`);
    return withRawBody(p, text.replace(/,\}$/, '}'), `key ${key}`);
  });
};

const BAD_IDS = [
  '',
  ' ',
  '%zz',
  '%',
  '%E0%A4%A',
  '%00',
  '%2e%2e',
  '..%2F..%2Fetc',
  '%C0%AF',
  '%ED%A0%80',
  'null',
  '-1',
  '0',
  '66e3244369cd15b505d21065',
  'ffffffffffffffffffffffff',
  "1' OR '1'='1",
  'a;b',
  '*',
  '%25',
  '%2F',
];

const badPathId: Mutation = (p) => {
  const { path } = contract.operation(p.operationId);
  if (!path.includes('{id}')) return undefined;
  const ids = fc.oneof(
    fc.constantFrom(...BAD_IDS),
    fc.constantFrom(65, 257, 2_000, 8_000).map((n) => 'a'.repeat(n)),
  );
  // Spaces are the one thing Node's client refuses to put in a request line, so they go encoded.
  return ids.map((raw) => {
    const id = raw.replaceAll(' ', '%20');
    const w = toWire(p, `bad path id ${id.slice(0, 20)}${id.length > 20 ? `… (${id.length})` : ''}`);
    const search = w.path.includes('?') ? w.path.slice(w.path.indexOf('?')) : '';
    return { ...w, path: path.replace('{id}', id) + search };
  });
};

const badQuery: Mutation = (p) => {
  const names = contract
    .operation(p.operationId)
    .parameters.filter((x) => x.in === 'query')
    .map((x) => x.name);
  if (names.length === 0) return undefined;
  const values = fc.constantFrom(
    '0',
    '-1',
    '1e309',
    '2.5',
    'abc',
    '',
    '101',
    '100001',
    '%zz',
    '%00',
    'a'.repeat(5_000),
    '1&page=2',
  );
  return fc.tuple(fc.constantFrom(...names), values, fc.boolean()).map(([name, value, twice]) => {
    const w = toWire({ ...p, query: {} }, `query ${name}=${value.slice(0, 16)}${twice ? ' twice' : ''}`);
    const one = `${name}=${value}`;
    return { ...w, path: `${w.path}?${twice ? `${one}&${name}=1` : one}` };
  });
};

const badHeaders: Mutation = (p) =>
  fc.oneof(
    fc.constantFrom(4_000, 12_000, 17_000, 70_000).map((n) => {
      const w = toWire(p, `header of ${n} bytes`);
      return { ...w, headers: { ...w.headers, 'x-fuzz': 'h'.repeat(n) } };
    }),
    fc.constantFrom(100, 500).map((n) => {
      const w = toWire(p, `${n} headers`);
      const extra = Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-fuzz-${i}`, String(i)]));
      return { ...w, headers: { ...w.headers, ...extra } };
    }),
    fc.constantFrom('', 'x'.repeat(300), 'caf\u00e9', ' key ').map((key) => {
      const w = toWire(p, `idempotency key "${key.slice(0, 10)}"`);
      return { ...w, headers: { ...w.headers, 'idempotency-key': key } };
    }),
  );

const badToken: Mutation = (p) =>
  fc
    .constantFrom(
      '',
      'Bearer',
      'Bearer ',
      'Bearer a.b.c',
      'Basic dXNlcjpwYXNz',
      `Bearer ${'x'.repeat(9_000)}`,
      'bearer  x',
      'Bearer \u00ff\u00fe',
    )
    .map((auth) => {
      const w = toWire({ ...p, token: undefined }, `authorization "${auth.slice(0, 16)}"`);
      return { ...w, headers: { ...w.headers, authorization: auth } };
    });

const otherMethod: Mutation = (p) =>
  fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'GET', 'OPTIONS', 'HEAD', 'TRACE').map((method) => {
    const w = toWire(p, `method ${method}`);
    const declared = contract.operations.find(
      (o) => o.method === method && o.pathPattern.test(w.path.split('?')[0] ?? ''),
    );
    return { ...w, method, operationId: declared?.operationId ?? '(none)', kind: `method ${method}` };
  });

const MUTATIONS: Record<string, Mutation> = {
  dropField,
  duplicateField,
  retypeField,
  boundaryNumber,
  hugeString,
  badUnicode,
  badBase64,
  wrongContentType,
  malformedJson,
  prototypeKeys,
  badPathId,
  badQuery,
  badHeaders,
  badToken,
  otherMethod,
};

/** `planned` broken in one of the ways that apply to it. */
export function mutated(planned: Planned): fc.Arbitrary<WireRequest> {
  const applicable = Object.values(MUTATIONS).flatMap((m) => m(planned) ?? []);
  return fc.oneof(...applicable);
}
