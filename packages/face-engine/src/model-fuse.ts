/**
 * Load-time graph rewrite of Human's faceres descriptor (a MobileNet v1 converted without op fusion).
 *
 * Every convolution of faceres.json is followed by 4-5 separate element-wise ops: batch-norm as Mul + Add,
 * then ReLU6 written as Relu, Minimum(6), Maximum(0). On the wasm backend each is one more pass over a large
 * activation tensor plus an allocation. tfjs has fused kernels for exactly this (conv + bias + relu6), so we
 * rewrite the graph: Conv2D+Add+ReLU6 -> _FusedConv2D(BiasAdd, Relu6); DepthwiseConv2dNative+Mul+Add+ReLU6 ->
 * FusedDepthwiseConv2dNative(BiasAdd, Relu6) with the Mul's per-channel scale folded into the depthwise kernel.
 * Same arithmetic up to float rounding (checked in test/model-fuse.test.ts), so templates stay comparable.
 */

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
  device?: string;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; original_dtype?: string };
}
export interface GraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[]; [k: string]: unknown };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  [k: string]: unknown;
}

/** IEEE 754 half -> float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes the weights (float32, int32, or float16-quantised float32) into typed arrays by name. */
function decodeWeights(specs: WeightSpec[], data: Uint8Array): Map<string, Float32Array | Int32Array> {
  const out = new Map<string, Float32Array | Int32Array>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const q = w.quantization?.dtype;
    if (q && q !== 'float16') throw new Error(`unsupported weight quantisation ${q} for ${w.name}`);
    if (w.dtype === 'int32') {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(off + i * 4, true);
      off += n * 4;
      out.set(w.name, a);
    } else if (q === 'float16') {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(view.getUint16(off + i * 2, true));
      off += n * 2;
      out.set(w.name, a);
    } else {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(off + i * 4, true);
      off += n * 4;
      out.set(w.name, a);
    }
  }
  if (off !== data.byteLength) throw new Error(`weights are ${data.byteLength} bytes, manifest says ${off}`);
  return out;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface FuseResult {
  json: GraphModelJson;
  weights: Uint8Array;
  fusedConv: number;
  fusedDepthwise: number;
  removedOps: number;
}

/**
 * Returns the rewritten model: topology with fused nodes, and a single float32 weights file named
 * `weightsPath`. Throws if the graph does not have the expected shape (e.g. a future faceres.json).
 */
export function fuseConvBnRelu6(model: GraphModelJson, data: Uint8Array, weightsPath: string): FuseResult {
  if (model.weightsManifest.length !== 1) throw new Error('expected one weights group');
  const specs = (model.weightsManifest[0] as { weights: WeightSpec[] }).weights;
  const weights = decodeWeights(specs, data);
  const nodes = model.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, TfNode[]>();
  for (const n of nodes)
    for (const i of n.input ?? []) {
      const src = i.replace(/^\^/, '').split(':')[0] as string;
      consumers.set(src, [...(consumers.get(src) ?? []), n]);
    }
  const only = (n: TfNode, op: string): TfNode | null => {
    const c = consumers.get(n.name) ?? [];
    return c.length === 1 && (c[0] as TfNode).op === op ? (c[0] as TfNode) : null;
  };
  const scalarConst = (name: string | undefined): number | null => {
    const w = name ? weights.get(name) : undefined;
    return w && w.length === 1 ? (w[0] as number) : null;
  };
  const isConst = (name: string | undefined) => name !== undefined && byName.get(name)?.op === 'Const';

  const removed = new Set<string>();
  const replaced = new Map<string, TfNode>();
  const newWeights = new Map<string, Float32Array>();
  let fusedConv = 0;
  let fusedDepthwise = 0;

  /** Follows Add(bias) -> Relu -> Minimum(6) -> Maximum(0) after `from`; returns the chain or null. */
  const biasRelu6 = (from: TfNode) => {
    const add = only(from, 'Add');
    if (!add || add.input?.[0] !== from.name || !isConst(add.input?.[1])) return null;
    const relu = only(add, 'Relu');
    const min = relu && only(relu, 'Minimum');
    const max = min && only(min, 'Maximum');
    if (!relu || !min || !max) return null;
    if (scalarConst(min.input?.[1]) !== 6 || scalarConst(max.input?.[1]) !== 0) return null;
    return { add, relu, min, max, bias: add.input?.[1] as string };
  };

  for (const n of nodes) {
    if (n.op === 'Conv2D') {
      const chain = biasRelu6(n);
      if (!chain) continue;
      // The fused node takes the last node's name, so every consumer keeps its input reference.
      replaced.set(chain.max.name, {
        name: chain.max.name,
        op: '_FusedConv2D',
        input: [n.input?.[0] as string, n.input?.[1] as string, chain.bias],
        attr: {
          ...n.attr,
          T: { type: 'DT_FLOAT' },
          fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
          num_args: { i: '1' },
          epsilon: { f: 0 },
        },
      });
      for (const r of [n, chain.add, chain.relu, chain.min]) removed.add(r.name);
      fusedConv++;
    } else if (n.op === 'DepthwiseConv2dNative') {
      const mul = only(n, 'Mul');
      if (!mul || mul.input?.[0] !== n.name || !isConst(mul.input?.[1])) continue;
      const chain = biasRelu6(mul);
      if (!chain) continue;
      const kernelName = n.input?.[1] as string;
      const kernel = weights.get(kernelName) as Float32Array;
      const scale = weights.get(mul.input?.[1] as string) as Float32Array;
      const kspec = specs.find((s) => s.name === kernelName) as WeightSpec;
      const [kh, kw, cin, mult] = kspec.shape as [number, number, number, number];
      if (scale.length !== cin * mult) continue;
      const folded = new Float32Array(kernel.length);
      // kernel layout [kh, kw, cin, mult]; output channel c*mult+m is scaled by scale[c*mult+m]
      for (let p = 0; p < kh * kw; p++)
        for (let c = 0; c < cin * mult; c++) {
          const i = p * cin * mult + c;
          folded[i] = (kernel[i] as number) * (scale[c] as number);
        }
      const foldedName = `${kernelName}/folded_bn`;
      newWeights.set(foldedName, folded);
      byName.set(foldedName, { name: foldedName, op: 'Const' });
      replaced.set(chain.max.name, {
        name: chain.max.name,
        op: 'FusedDepthwiseConv2dNative',
        input: [n.input?.[0] as string, foldedName, chain.bias],
        attr: {
          ...n.attr,
          T: { type: 'DT_FLOAT' },
          fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
          num_args: { i: '1' },
        },
      });
      for (const r of [n, mul, chain.add, chain.relu, chain.min]) removed.add(r.name);
      fusedDepthwise++;
    }
  }
  if (fusedConv + fusedDepthwise === 0) throw new Error('no Conv/ReLU6 chain found to fuse');

  const outNodes: TfNode[] = [];
  for (const n of nodes) {
    if (removed.has(n.name)) continue;
    outNodes.push(replaced.get(n.name) ?? n);
  }
  for (const [name, w] of newWeights) {
    const shape = (specs.find((s) => `${s.name}/folded_bn` === name) as WeightSpec).shape;
    outNodes.unshift({
      name,
      op: 'Const',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        value: {
          tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } },
        },
      },
    });
    weights.set(name, w);
  }
  // Keep only weights still referenced, all written as plain float32/int32 (no float16 round trip).
  const referenced = new Set(outNodes.flatMap((n) => n.input ?? []).map((i) => i.split(':')[0] as string));
  const outSpecs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  const allSpecs = [
    ...specs,
    ...[...newWeights.keys()].map((name) => ({
      name,
      shape: (specs.find((s) => `${s.name}/folded_bn` === name) as WeightSpec).shape,
      dtype: 'float32' as const,
    })),
  ];
  for (const s of allSpecs) {
    if (!referenced.has(s.name)) continue;
    const w = weights.get(s.name) as Float32Array | Int32Array;
    outSpecs.push({ name: s.name, shape: s.shape, dtype: s.dtype });
    parts.push(new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)));
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const bin = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    bin.set(p, o);
    o += p.byteLength;
  }
  const keptConsts = outNodes.filter((n) => n.op !== 'Const' || referenced.has(n.name));
  return {
    json: {
      ...model,
      modelTopology: { ...model.modelTopology, node: keptConsts },
      weightsManifest: [{ paths: [weightsPath], weights: outSpecs }],
    },
    weights: bin,
    fusedConv,
    fusedDepthwise,
    removedOps: nodes.length - keptConsts.length,
  };
}
