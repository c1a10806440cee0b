// verifyWebhook against deliveries signed by the `standardwebhooks` package (the library the server
// signs with), over every named example of every event of the spec's `webhooks:`.
import { createHmac, randomBytes } from 'node:crypto';
import { Contract, requestExamples } from '@faceproof/openapi';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { FaceproofWebhookSecretError, verifyWebhook, webhookEventTypes } from '../src/index.js';

const contract = new Contract();
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
const NOW_MS = 1_736_937_120_000;
const nowSeconds = NOW_MS / 1000;
const now = () => NOW_MS;

const examples = contract.webhooks.flatMap((operation) =>
  requestExamples(contract.spec, operation).map((e) => ({ event: operation.path, ...e })),
);

/** The headers the server sends: the message id, the signing time and `v1,<base64>`. */
function signed(body: string, options: { secret?: string; id?: string; atSeconds?: number } = {}) {
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = options.atSeconds ?? nowSeconds;
  const signature = new Webhook(options.secret ?? secret).sign(id, new Date(at * 1000), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': signature };
}

const anExample = examples[0] as (typeof examples)[number];
const aBody = JSON.stringify(anExample.value);

describe('verifyWebhook', () => {
  it("covers every event of the spec's webhooks:, each with at least one named example", () => {
    expect(contract.webhooks.map((o) => o.path)).toEqual([...webhookEventTypes]);
    expect(new Set(examples.map((e) => e.event))).toEqual(new Set(webhookEventTypes));
  });

  it.each(examples.map((e) => [`${e.event} ${e.name}`, e] as const))(
    'accepts %s, signed, and returns it typed',
    async (_, example) => {
      const body = JSON.stringify(example.value);
      const headers = signed(body, { id: 'msg_2k8Yt4' });
      const result = await verifyWebhook({ secret, body, headers: new Headers(headers), now });
      expect(result).toEqual({
        ok: true,
        event: example.value,
        webhookId: 'msg_2k8Yt4',
        signedAt: new Date(NOW_MS),
      });
      if (result.ok) expect(result.event.type).toBe(example.event);
    },
  );

  it('takes the body as bytes and the headers as a Node-style record in any case', async () => {
    const headers = signed(aBody);
    const record = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    const bytes = new TextEncoder().encode(aBody);
    for (const body of [bytes, bytes.buffer, Buffer.from(aBody)]) {
      const result = await verifyWebhook({ secret, body, headers: record, now });
      expect(result.ok).toBe(true);
    }
  });

  it('refuses a tampered body', async () => {
    const headers = signed(aBody);
    const value = anExample.value as { data: Record<string, unknown> };
    const tampered = JSON.stringify({ ...value, data: { ...value.data, identifier: 'someone-else' } });
    expect(tampered).not.toBe(aBody);
    for (const body of [tampered, `${aBody} `, JSON.stringify(JSON.parse(aBody), null, 2)]) {
      expect(await verifyWebhook({ secret, body, headers, now })).toMatchObject({
        ok: false,
        code: 'invalid_signature',
      });
    }
  });

  it('refuses a signature made with another secret, or for another message id', async () => {
    const headers = signed(aBody, { secret: otherSecret });
    expect(await verifyWebhook({ secret, body: aBody, headers, now })).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    const moved = { ...signed(aBody), 'webhook-id': 'msg_other' };
    expect(await verifyWebhook({ secret, body: aBody, headers: moved, now })).toMatchObject({
      code: 'invalid_signature',
    });
  });

  it('accepts several space-separated signatures when one matches, ignoring other versions', async () => {
    const headers = signed(aBody, { id: 'msg_rotating' });
    const old = signed(aBody, { id: 'msg_rotating', secret: otherSecret })['webhook-signature'];
    const mine = headers['webhook-signature'];
    const ed25519 = `v1a,${randomBytes(64).toString('base64')}`;
    for (const list of [`${old} ${mine}`, `${mine} ${old}`, `${ed25519} ${old} ${mine}`]) {
      const result = await verifyWebhook({
        secret,
        body: aBody,
        headers: { ...headers, 'webhook-signature': list },
        now,
      });
      expect(result.ok).toBe(true);
    }
    const noneMatch = `${old} ${ed25519} v1a,${mine.slice(3)}`;
    expect(
      await verifyWebhook({
        secret,
        body: aBody,
        headers: { ...headers, 'webhook-signature': noneMatch },
        now,
      }),
    ).toMatchObject({ code: 'invalid_signature' });
  });

  it('refuses a timestamp outside the tolerance, 5 minutes unless set, whatever the signature', async () => {
    const at = (seconds: number) => signed(aBody, { atSeconds: nowSeconds + seconds });
    const verify = (headers: Record<string, string>, toleranceSeconds?: number) =>
      verifyWebhook({ secret, body: aBody, headers, now, toleranceSeconds });
    expect((await verify(at(-300))).ok).toBe(true);
    expect((await verify(at(300))).ok).toBe(true);
    expect(await verify(at(-301))).toMatchObject({ code: 'timestamp_too_old' });
    expect(await verify(at(301))).toMatchObject({ code: 'timestamp_too_new' });
    expect(await verify(at(-60), 30)).toMatchObject({ code: 'timestamp_too_old' });
    expect((await verify(at(-3600), 7200)).ok).toBe(true);
    expect(await verify({ ...at(0), 'webhook-timestamp': '2025-01-15T10:32:00Z' })).toMatchObject({
      code: 'invalid_timestamp',
    });
  });

  it('uses the real clock unless given one', async () => {
    const headers = signed(aBody, { atSeconds: Math.floor(Date.now() / 1000) });
    expect((await verifyWebhook({ secret, body: aBody, headers })).ok).toBe(true);
    expect(await verifyWebhook({ secret, body: aBody, headers: signed(aBody) })).toMatchObject({
      code: 'timestamp_too_old',
    });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s',
    async (name) => {
      const headers: Record<string, string> = signed(aBody);
      delete headers[name];
      expect(await verifyWebhook({ secret, body: aBody, headers, now })).toEqual({
        ok: false,
        code: 'missing_headers',
        message: expect.stringContaining(name),
      });
    },
  );

  it('refuses a signed body that is not an event, and reports a signed event of an unknown type', async () => {
    for (const body of ['not json', '[1,2]', '{"data":{}}', '\u00ff']) {
      expect(await verifyWebhook({ secret, body, headers: signed(body), now })).toMatchObject({
        code: 'invalid_payload',
      });
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    const headers = signed('x');
    const id = headers['webhook-id'];
    const hmac = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(Buffer.concat([Buffer.from(`${id}.${nowSeconds}.`), invalidUtf8]))
      .digest('base64');
    const rawHeaders = { ...headers, 'webhook-signature': `v1,${hmac}` };
    expect(await verifyWebhook({ secret, body: invalidUtf8, headers: rawHeaders, now })).toMatchObject({
      code: 'invalid_payload',
    });

    const future = JSON.stringify({ type: 'person_deleted', timestamp: '2025-01-15T10:32:00Z', data: {} });
    const signedFuture = signed(future, { id: 'msg_future' });
    expect(await verifyWebhook({ secret, body: future, headers: signedFuture, now })).toEqual({
      ok: false,
      code: 'unknown_event_type',
      message: expect.stringContaining('person_deleted'),
      webhookId: 'msg_future',
      signedAt: new Date(NOW_MS),
      payload: JSON.parse(future),
    });
  });

  it('throws on a secret that is not a webhook secret, before reading the delivery', async () => {
    const headers = signed(aBody);
    for (const bad of ['whsec_', 'whsec_***', '']) {
      await expect(verifyWebhook({ secret: bad, body: aBody, headers, now })).rejects.toThrow(
        FaceproofWebhookSecretError,
      );
    }
  });
});
