import { Worker } from 'node:worker_threads';
import { EngineBusyError, EngineError } from './types.js';

interface Job {
  msg: Record<string, unknown>;
  transfer: ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  ready: Promise<void>;
}

export interface PoolOptions {
  size: number;
  maxQueue: number;
  jobTimeoutMs: number;
  workerData?: unknown;
}

/**
 * Fixed-size worker-thread pool with a bounded FIFO queue.
 * - queue full: run() rejects at once with EngineBusyError (code ENGINE_BUSY);
 * - a worker that dies (crash, OOM, process.exit) fails only its current job (ENGINE_WORKER_FAILED)
 *   and is replaced; a job over jobTimeoutMs terminates its worker (ENGINE_TIMEOUT) and is replaced too.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private seq = 0;
  /** Number of workers replaced after a crash or timeout (for monitoring/tests). */
  restarts = 0;

  constructor(
    private readonly file: URL,
    private readonly opts: PoolOptions,
  ) {
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  get queued(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.slots.filter((s) => s.job).length;
  }

  /** Resolves when every worker has loaded its models. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(): Slot {
    const worker = new Worker(this.file, { workerData: this.opts.workerData });
    let onReady: () => void = () => {};
    let onFail: (e: Error) => void = () => {};
    const ready = new Promise<void>((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    ready.catch(() => {});
    const slot: Slot = { worker, job: null, timer: null, ready };
    worker.on('message', (m: { type: string; id?: number; result?: unknown; message?: string }) => {
      if (m.type === 'ready') {
        onReady();
        return;
      }
      if (m.type === 'init-error') {
        onFail(new EngineError('ENGINE_WORKER_FAILED', `Face engine worker failed to start: ${m.message}`));
        return;
      }
      const job = slot.job;
      if (!job || (job.msg.id as number) !== m.id) return;
      this.finish(slot);
      if (m.type === 'result') job.resolve(m.result);
      else job.reject(new EngineError('ENGINE_WORKER_FAILED', m.message ?? 'worker error'));
      this.dispatch();
    });
    worker.on('error', (err) => {
      onFail(err);
      this.replace(
        slot,
        new EngineError('ENGINE_WORKER_FAILED', `Face engine worker crashed: ${err.message}`),
      );
    });
    worker.on('exit', (code) => {
      onFail(new EngineError('ENGINE_WORKER_FAILED', `worker exited with code ${code}`));
      this.replace(
        slot,
        new EngineError('ENGINE_WORKER_FAILED', `Face engine worker exited (code ${code}).`),
      );
    });
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  private replace(slot: Slot, err: Error): void {
    const idx = this.slots.indexOf(slot);
    if (idx < 0) return; // already replaced
    const job = slot.job;
    this.finish(slot);
    slot.worker.removeAllListeners('exit');
    slot.worker.terminate().catch(() => {});
    if (job) job.reject(err);
    if (this.closed) {
      this.slots.splice(idx, 1);
      return;
    }
    this.restarts++;
    this.slots[idx] = this.spawn();
    this.dispatch();
  }

  run<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new EngineError('ENGINE_CLOSED', 'The face engine is closed.'));
    const idle = this.slots.some((s) => !s.job);
    if (!idle && this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(
        new EngineBusyError(
          `Face engine is busy: ${this.running} images in progress and ${this.queue.length} queued; retry later.`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        msg: { ...msg, id: ++this.seq },
        transfer,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.timer = setTimeout(() => {
        this.replace(
          slot,
          new EngineError('ENGINE_TIMEOUT', `Face analysis took longer than ${this.opts.jobTimeoutMs} ms.`),
        );
      }, this.opts.jobTimeoutMs);
      slot.worker.postMessage(job.msg, job.transfer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new EngineError('ENGINE_CLOSED', 'The face engine was closed.'));
    await Promise.all(
      this.slots.map(async (s) => {
        s.worker.removeAllListeners('exit');
        s.worker.removeAllListeners('error');
        if (s.job) s.job.reject(new EngineError('ENGINE_CLOSED', 'The face engine was closed.'));
        this.finish(s);
        await s.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }
}
