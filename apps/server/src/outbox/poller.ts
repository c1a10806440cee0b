/** The clock a poller waits on; tests drive a fake one. */
export interface Timers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  // Unref'd: a pending poll never keeps the process alive on its own.
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Exponential backoff with full jitter in [0.5, 1.5) of the nominal delay, capped at `capMs`. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random, capMs = 3_600_000) {
  const nominal = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(nominal * (0.5 + random()));
}

/** What becomes of a row after one try: done, given up, or tried again at `nextAttemptAt` (ms). */
export interface Settlement {
  status: 'done' | 'failed' | 'pending';
  nextAttemptAt: number;
}

/**
 * The fate of a row after its `attempt`-th try: `ok` is done; a failure is given up when `giveUp`
 * says so or the attempts are spent, and is otherwise retried after a jittered backoff.
 */
export function settle(
  ok: boolean,
  attempt: number,
  retry: { maxAttempts: number; baseDelayMs: number; giveUp?: boolean; now: number; random?: () => number },
): Settlement {
  if (ok) return { status: 'done', nextAttemptAt: retry.now };
  if (retry.giveUp || attempt >= retry.maxAttempts) return { status: 'failed', nextAttemptAt: retry.now };
  return {
    status: 'pending',
    nextAttemptAt: retry.now + backoffMs(attempt, retry.baseDelayMs, retry.random),
  };
}

export interface PollerLog {
  error(obj: object, msg: string): void;
}

export interface OutboxPollerOptions<Row> {
  /** Names the outbox in the logs ("webhook outbox"). */
  name: string;
  /** The wait between passes when nobody kicks. */
  pollMs: number;
  /** The most rows one claim takes. */
  batchSize: number;
  /** How long a claim is held: long enough for the slowest processing of a row to be recorded. */
  leaseMs: number;
  /** Claims up to `limit` rows due at `now` for this instance until `leaseUntil` (both epoch ms). */
  claim(now: number, leaseUntil: number, limit: number): Promise<Row[]>;
  /** Processes one claimed row and records its outcome. */
  process(row: Row): Promise<void>;
  log: PollerLog;
  /** The longest wait after failed passes in a row (database unreachable); 30 s unless told. */
  maxBackoffMs?: number;
  timers?: Timers;
  random?: () => number;
}

/**
 * The loop of a transactional outbox, shared by webhooks and mail: it claims due rows with a lease
 * and processes them until none is due, then waits `pollMs`. A `kick()` starts a pass now, and a
 * kick that arrives during a pass starts another one right after it (the commit that kicked may
 * have landed after this pass's last claim). A pass that fails is logged, never thrown, and the
 * next one waits a jittered backoff that grows with the failures in a row.
 */
export class OutboxPoller<Row> {
  private timer: unknown;
  private running?: Promise<void>;
  private stopped = true;
  private kickedDuringPass = false;
  private failuresInARow = 0;
  private readonly timers: Timers;

  constructor(private readonly opts: OutboxPollerOptions<Row>) {
    this.timers = opts.timers ?? realTimers;
  }

  start() {
    this.stopped = false;
    this.schedule(0);
  }

  /** Wakes the poller now (after a commit that enqueued rows). */
  kick() {
    if (this.stopped) return;
    if (this.running) this.kickedDuringPass = true;
    else this.schedule(0);
  }

  /** Whether a pass is in flight (for tests and diagnostics). */
  get busy() {
    return this.running !== undefined;
  }

  private schedule(ms: number) {
    this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.running = this.guardedPass().finally(() => {
        this.running = undefined;
        const again = this.kickedDuringPass;
        this.kickedDuringPass = false;
        if (!this.stopped) this.schedule(again ? 0 : this.nextWait());
      });
    }, ms);
  }

  private nextWait() {
    if (!this.failuresInARow) return this.opts.pollMs;
    const cap = Math.max(this.opts.pollMs, this.opts.maxBackoffMs ?? 30_000);
    return Math.min(cap, backoffMs(this.failuresInARow, this.opts.pollMs, this.opts.random, cap));
  }

  private async guardedPass() {
    try {
      await this.pass();
      this.failuresInARow = 0;
    } catch (err) {
      // Database unreachable, say: claims this pass took expire with their lease.
      this.failuresInARow++;
      this.opts.log.error({ err }, `${this.opts.name} pass failed`);
    }
  }

  /** Processes everything due now; stops early between batches once `stop()` was called. */
  private async pass() {
    for (;;) {
      const now = this.timers.now();
      const due = await this.opts.claim(now, now + this.opts.leaseMs, this.opts.batchSize);
      if (!due.length) return;
      // Every row of the batch settles before the pass ends, so stop() never leaves one running.
      const results = await Promise.allSettled(due.map((row) => this.opts.process(row)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (this.stopped) return;
    }
  }

  /**
   * Stops polling: waits for the pass in flight, then (with `flush`) makes one last pass over the
   * rows due, all within `graceMs`.
   */
  async stop(graceMs: number, opts: { flush?: boolean } = {}) {
    this.stopped = true;
    this.timers.clear(this.timer);
    this.timer = undefined;
    const drain = (async () => {
      await this.running;
      if (opts.flush ?? true) {
        this.running = this.guardedPass();
        await this.running;
        this.running = undefined;
      }
    })();
    let graceTimer: unknown;
    const grace = new Promise<void>((resolve) => {
      graceTimer = this.timers.set(resolve, graceMs);
    });
    await Promise.race([drain, grace]);
    this.timers.clear(graceTimer);
  }
}
