import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../dist/fixtures.js';
import { createEngine, type FaceAnalysis, type HumanFaceEngine } from '../dist/index.js';
import { fuseConvBnRelu6, type GraphModelJson } from '../dist/model-fuse.js';

const require = createRequire(import.meta.url);
const MODELS = path.resolve(require.resolve('@vladmandic/human'), '../../models');
const fx = fixtures();

describe('faceres graph fusion', () => {
  it('turns every conv + batch-norm + ReLU6 chain of faceres into one fused op', async () => {
    const json = JSON.parse(await readFile(path.join(MODELS, 'faceres.json'), 'utf8')) as GraphModelJson;
    const bin = await readFile(path.join(MODELS, 'faceres.bin'));
    const before = json.modelTopology.node.filter((n) => n.op !== 'Const').length;
    const r = fuseConvBnRelu6(json, bin, 'x.bin');
    const ops = r.json.modelTopology.node.map((n) => n.op);
    expect(r.fusedConv).toBe(14);
    expect(r.fusedDepthwise).toBe(13);
    for (const gone of ['Relu', 'Minimum', 'Maximum', 'Conv2D', 'DepthwiseConv2dNative'])
      expect(ops).not.toContain(gone);
    expect(ops.filter((o) => o !== 'Const').length).toBeLessThan(before / 3);
    const specs = r.json.weightsManifest[0]?.weights ?? [];
    const bytes = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * 4, 0);
    expect(r.weights.byteLength).toBe(bytes);
    expect(r.json.weightsManifest[0]?.paths).toEqual(['x.bin']);
    // a graph without the pattern is refused rather than passed through silently
    const other = JSON.parse(await readFile(path.join(MODELS, 'liveness.json'), 'utf8')) as GraphModelJson;
    expect(() => fuseConvBnRelu6(other, new Uint8Array(0), 'y.bin')).toThrow();
  });

  describe('templates', () => {
    let fused: HumanFaceEngine;
    let plain: HumanFaceEngine;
    beforeAll(async () => {
      [fused, plain] = await Promise.all([
        createEngine({ workers: 1, fuseDescriptor: true }),
        createEngine({ workers: 1, fuseDescriptor: false }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([fused?.close(), plain?.close()]);
    });

    it('are the same with and without fusion (up to float rounding)', async () => {
      for (const file of [fx.personA[0], fx.personB]) {
        const bytes = await readFile(file);
        const [a, b] = (await Promise.all([fused.analyze(bytes), plain.analyze(bytes)])) as FaceAnalysis[];
        if (!a?.ok || !b?.ok) throw new Error(`no face in ${file}`);
        expect(fused.compare(a.template, b.template)).toBeCloseTo(plain.compare(a.template, a.template), 4);
        let cos = 0;
        for (let i = 0; i < a.template.length; i++)
          cos += (a.template[i] as number) * (b.template[i] as number);
        expect(cos).toBeGreaterThan(0.99999);
      }
    });
  });
});
