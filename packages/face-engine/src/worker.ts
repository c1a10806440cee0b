/** Worker-thread entry: loads Human once, then analyses one image per message. */
import { parentPort, workerData } from 'node:worker_threads';
import {
  analyzeBytes,
  analyzeFrameBytes,
  analyzeFrameRun,
  configureRuntime,
  getHuman,
  type SequenceFramePass,
} from './human-runtime.js';
import type { AnalyzeOptions, EngineLimits } from './types.js';

interface Msg {
  type: 'analyze' | 'frame' | 'run' | 'crash' | 'hang';
  id: number;
  bytes?: Uint8Array;
  /** 'run': frames of one sequence in the order they are tracked in (see analyzeFrameRun). */
  frames?: { bytes: Uint8Array; pass: SequenceFramePass }[];
  opts?: AnalyzeOptions;
  limits: EngineLimits;
}

const port = parentPort;
if (!port) throw new Error('worker.js must run in a worker thread');
const data = workerData as
  | { testHooks?: boolean; fuseDescriptor?: boolean; templateModel?: string; describeModels?: string[] }
  | undefined;
const testHooks = Boolean(data?.testHooks);
configureRuntime({
  fuseDescriptor: data?.fuseDescriptor ?? true,
  ...(data?.templateModel ? { templateModel: data.templateModel } : {}),
  ...(data?.describeModels ? { describeModels: data.describeModels } : {}),
});

getHuman().then(
  () => port.postMessage({ type: 'ready' }),
  (err: Error) => port.postMessage({ type: 'init-error', message: err.message }),
);

port.on('message', async (m: Msg) => {
  if (testHooks && m.type === 'crash') {
    // Simulates a native crash / fatal error in the worker.
    process.exit(70);
  }
  if (testHooks && m.type === 'hang') {
    setTimeout(() => port.postMessage({ type: 'result', id: m.id, result: null }), 3_600_000);
    return;
  }
  try {
    const result =
      m.type === 'run'
        ? await analyzeFrameRun(m.frames ?? [], m.limits)
        : m.type === 'frame'
          ? await analyzeFrameBytes(m.bytes as Uint8Array, m.limits)
          : await analyzeBytes(m.bytes as Uint8Array, m.limits, m.opts ?? {});
    port.postMessage({ type: 'result', id: m.id, result });
  } catch (err) {
    port.postMessage({ type: 'error', id: m.id, message: (err as Error).message });
  }
});
