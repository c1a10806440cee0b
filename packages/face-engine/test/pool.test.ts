import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../dist/fixtures.js';
import { createEngine, EngineBusyError, EngineError, type HumanFaceEngine } from '../dist/index.js';

const fx = fixtures();
let engine: HumanFaceEngine;

beforeAll(async () => {
  engine = await createEngine({ workers: 1, maxQueue: 1, testHooks: true, jobTimeoutMs: 20_000 });
});
afterAll(async () => {
  await engine?.close();
});

describe('worker pool', () => {
  it('survives a crashed worker: the job fails, the worker is replaced, the next job works', async () => {
    const crash = engine.pool.run({ type: 'crash' });
    await expect(crash).rejects.toBeInstanceOf(EngineError);
    await expect(crash).rejects.toMatchObject({ code: 'ENGINE_WORKER_FAILED' });
    expect(engine.pool.restarts).toBe(1);
    const r = await engine.analyze(await readFile(fx.personB));
    expect(r.ok).toBe(true);
  });

  it('rejects with ENGINE_BUSY when the queue is full', async () => {
    const img = await readFile(fx.personB);
    const first = engine.analyze(img); // running
    const second = engine.analyze(img); // queued (maxQueue 1)
    const third = engine.analyze(img); // over the limit
    await expect(third).rejects.toBeInstanceOf(EngineBusyError);
    await expect(third).rejects.toMatchObject({ code: 'ENGINE_BUSY' });
    expect((await first).ok).toBe(true);
    expect((await second).ok).toBe(true);
  });
});
