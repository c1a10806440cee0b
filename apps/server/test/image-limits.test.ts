import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceImageLimits } from '../src/contract/image-limits.js';
import { type Harness, ownFlows, startServer } from './helpers.js';

// The spec's pixel limit holds at its boundary, and the image over it is refused from its header.
let h: Harness;
const { maxPixels } = faceImageLimits();
const WIDTH = 5_000;
const ROWS = maxPixels / WIDTH;

function chunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(4 + td.length + 4);
  out.writeUInt32BE(data.length, 0);
  td.copy(out, 4);
  out.writeUInt32BE(crc32(td) >>> 0, 4 + td.length);
  return out;
}

/**
 * A grey PNG whose header declares `WIDTH x height` pixels, holding `ROWS` rows of pixel data (a
 * few KB compressed). With `height > ROWS` the data is short: decoding it would fail as truncated,
 * so a refusal for its size can only come from the header.
 */
function greyPng(height: number): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(WIDTH, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((WIDTH + 1) * ROWS, 0x80);
  for (let r = 0; r < ROWS; r++) rows[r * (WIDTH + 1)] = 0; // filter byte: none
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => h?.close());

async function validateOnce(image: string) {
  const flows = await ownFlows(h);
  const created = await h.call('POST', '/v2/biometric-validations', {
    token: h.demo.clientAccessToken,
    body: {
      project: h.demo.project,
      projectFlow: flows.onboardingFlow,
      identifier: 'limit',
      type: 'onboarding',
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return h.call('POST', '/v2/biometric-validations/validate', {
    token: created.body.data.token,
    body: { image },
  });
}

describe('the face image pixel limit of the spec', () => {
  it('is 25 megapixels, as FaceImage says', () => {
    expect(maxPixels).toBe(25_000_000);
  });

  it('accepts an image of exactly the limit: it is decoded and searched for a face', async () => {
    const res = await validateOnce(greyPng(ROWS));
    expect(res.status).toBe(400);
    expect(res.body.code, JSON.stringify(res.body)).toBe('INVALID_BIOMETRIC_DATA');
    expect(res.body.details[0]).toMatchObject({ path: '/body/image', reason: 'NO_FACE' });
  });

  it('refuses one row more from the header, without decoding it', async () => {
    const res = await validateOnce(greyPng(ROWS + 1));
    expect(res.status).toBe(400);
    expect(res.body.code, JSON.stringify(res.body)).toBe('INVALID_BIOMETRIC_DATA');
    expect(res.body.details[0]).toMatchObject({ path: '/body/image', reason: 'IMAGE_TOO_LARGE' });
    expect(res.body.details[0].message).toContain(`${WIDTH}x${ROWS + 1}`);
  });
});
