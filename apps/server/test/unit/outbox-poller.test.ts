import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  OutboxPoller,
  type OutboxPollerOptions,
  settle,
  type Timers,
} from '../../src/outbox/poller.js';

/** A clock that moves only when told: `advance` runs the timers due and lets their promises settle. */
class FakeTimers implements Timers {
  private current = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now() {
    return this.current;
  }
  set(fn: () => void, ms: number) {
    const id = ++this.seq;
    this.pending.set(id, { at: this.current + ms, fn });
    return id;
  }
  clear(handle: unknown) {
    this.pending.delete(handle as number);
  }
  /** The delays of the timers set now, from now. */
  waits() {
    return [...this.pending.values()].map((t) => t.at - this.current);
  }
  async advance(ms: number) {
    const until = this.current + ms;
    for (;;) {
      await settleMicrotasks();
      const next = [...this.pending.entries()]
        .filter(([, t]) => t.at <= until)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (!next) break;
      this.pending.delete(next[0]);
      this.current = next[1].at;
      next[1].fn();
    }
    this.current = until;
    await settleMicrotasks();
  }
}

const settleMicrotasks = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A poller over an in-memory queue of rows; `gate`, when set, holds every process call until opened. */
function harness(overrides: Partial<OutboxPollerOptions<string>> = {}) {
  const timers = new FakeTimers();
  const queue: string[] = [];
  const processed: string[] = [];
  const errors: string[] = [];
  const claims: { now: number; leaseUntil: number; limit: number }[] = [];
  let gate: ReturnType<typeof deferred> | undefined;
  const poller = new OutboxPoller<string>({
    name: 'test outbox',
    pollMs: 1_000,
    batchSize: 2,
    leaseMs: 5_000,
    timers,
    random: () => 0.5,
    async claim(now, leaseUntil, limit) {
      claims.push({ now, leaseUntil, limit });
      return queue.splice(0, limit);
    },
    async process(row) {
      await gate?.promise;
      processed.push(row);
    },
    log: { error: (_obj, msg) => errors.push(msg) },
    ...overrides,
  });
  return {
    timers,
    queue,
    processed,
    errors,
    claims,
    poller,
    hold() {
      gate = deferred();
      return gate;
    },
  };
}

describe('backoff and settlement', () => {
  it('doubles the delay per attempt, jittered within [0.5, 1.5) and capped', () => {
    expect(backoffMs(1, 100, () => 0.5)).toBe(100);
    expect(backoffMs(3, 100, () => 0.5)).toBe(400);
    expect(backoffMs(3, 100, () => 0)).toBe(200);
    expect(backoffMs(3, 100, () => 0.999)).toBe(600);
    expect(backoffMs(30, 100, () => 0.5, 5_000)).toBe(5_000);
  });

  it('settles a row as done, retried later, or given up', () => {
    const retry = { maxAttempts: 3, baseDelayMs: 100, now: 10_000, random: () => 0.5 };
    expect(settle(true, 1, retry)).toEqual({ status: 'done', nextAttemptAt: 10_000 });
    expect(settle(false, 2, retry)).toEqual({ status: 'pending', nextAttemptAt: 10_200 });
    expect(settle(false, 3, retry)).toEqual({ status: 'failed', nextAttemptAt: 10_000 });
    expect(settle(false, 1, { ...retry, giveUp: true })).toEqual({ status: 'failed', nextAttemptAt: 10_000 });
  });
});

describe('OutboxPoller', () => {
  it('claims with a lease, processes every due batch in one pass, then waits the poll interval', async () => {
    const h = harness();
    h.queue.push('a', 'b', 'c');
    h.poller.start();
    await h.timers.advance(0);
    expect(h.processed).toEqual(['a', 'b', 'c']);
    expect(h.claims).toEqual([
      { now: 0, leaseUntil: 5_000, limit: 2 },
      { now: 0, leaseUntil: 5_000, limit: 2 },
      { now: 0, leaseUntil: 5_000, limit: 2 },
    ]);
    expect(h.timers.waits()).toEqual([1_000]);
    h.queue.push('d');
    await h.timers.advance(999);
    expect(h.processed).not.toContain('d');
    await h.timers.advance(1);
    expect(h.processed).toContain('d');
  });

  it('starts a pass at once on a kick between passes', async () => {
    const h = harness();
    h.poller.start();
    await h.timers.advance(0);
    h.queue.push('a');
    h.poller.kick();
    await h.timers.advance(0);
    expect(h.processed).toEqual(['a']);
  });

  it('does not lose a kick that arrives during a pass: another pass follows right after', async () => {
    const h = harness();
    h.queue.push('a');
    const gate = h.hold();
    h.poller.start();
    await h.timers.advance(0);
    expect(h.poller.busy).toBe(true);
    // The pass has made its claim; a row committed now is only seen by a later claim.
    h.queue.push('b');
    h.poller.kick();
    gate.resolve();
    await h.timers.advance(0);
    expect(h.processed).toEqual(['a', 'b']);
    expect(h.poller.busy).toBe(false);
  });

  it('logs a failing pass instead of throwing, and backs off more after each failure in a row', async () => {
    let failing = true;
    const h = harness({
      maxBackoffMs: 3_000,
      async claim() {
        if (failing) throw new Error('database unreachable');
        return [];
      },
    });
    h.poller.start();
    await h.timers.advance(0);
    expect(h.errors).toEqual(['test outbox pass failed']);
    expect(h.timers.waits()).toEqual([1_000]);
    await h.timers.advance(1_000);
    expect(h.timers.waits()).toEqual([2_000]);
    await h.timers.advance(2_000);
    expect(h.timers.waits()).toEqual([3_000]);
    await h.timers.advance(3_000);
    expect(h.timers.waits()).toEqual([3_000]);
    expect(h.errors).toHaveLength(4);
    failing = false;
    await h.timers.advance(3_000);
    expect(h.errors).toHaveLength(4);
    expect(h.timers.waits()).toEqual([1_000]);
  });

  it('fails a pass whose row fails only after every row of the batch has settled', async () => {
    const h = harness({
      async process(row) {
        if (row === 'a') throw new Error('recording failed');
        await new Promise<void>((resolve) => h.timers.set(resolve, 100));
        h.processed.push(row);
      },
    });
    h.queue.push('a', 'b');
    h.poller.start();
    await h.timers.advance(0);
    expect(h.poller.busy).toBe(true);
    await h.timers.advance(100);
    expect(h.processed).toEqual(['b']);
    expect(h.errors).toEqual(['test outbox pass failed']);
    expect(h.poller.busy).toBe(false);
  });

  it('stops after the pass in flight and one last flush, ignoring later kicks', async () => {
    const h = harness();
    h.queue.push('a');
    const gate = h.hold();
    h.poller.start();
    await h.timers.advance(0);
    let stopped = false;
    const stopping = h.poller.stop(10_000).then(() => {
      stopped = true;
    });
    h.queue.push('b');
    await h.timers.advance(0);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(h.processed).toEqual(['a', 'b']);
    h.queue.push('c');
    h.poller.kick();
    await h.timers.advance(10_000);
    expect(h.processed).toEqual(['a', 'b']);
    expect(h.timers.waits()).toEqual([]);
  });

  it('stops without a flush when told, and gives up waiting after the grace period', async () => {
    const h = harness();
    h.queue.push('a');
    h.hold();
    h.poller.start();
    await h.timers.advance(0);
    let stopped = false;
    const stopping = h.poller.stop(500, { flush: false }).then(() => {
      stopped = true;
    });
    await h.timers.advance(499);
    expect(stopped).toBe(false);
    await h.timers.advance(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(h.processed).toEqual([]);
  });
});
