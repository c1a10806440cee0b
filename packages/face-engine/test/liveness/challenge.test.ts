import { describe, expect, it } from 'vitest';
import { rng } from '../../dist/eval/attacks.js';
import {
  allowedSequences,
  CHALLENGE_STEPS,
  type ChallengeStep,
  issueChallenge,
  STEP_DEFINITIONS,
} from '../../dist/index.js';

const seeded = (seed: number) => {
  const r = rng(seed);
  return (n: number) => Math.floor(r() * n);
};

describe('issueChallenge', () => {
  it('issues 2-3 steps with no step twice in a row, one turn at least, moving closer at most once', () => {
    const random = seeded(1);
    for (let i = 0; i < 2_000; i++) {
      const c = issueChallenge({ now: 1_000, random });
      expect(c.steps.length).toBeGreaterThanOrEqual(2);
      expect(c.steps.length).toBeLessThanOrEqual(3);
      c.steps.forEach((s, k) => {
        expect(CHALLENGE_STEPS).toContain(s);
        if (k > 0) expect(s).not.toBe(c.steps[k - 1]);
      });
      expect(c.steps.some((s: ChallengeStep) => s === 'turn_left' || s === 'turn_right')).toBe(true);
      for (const s of c.steps) expect(STEP_DEFINITIONS[s as ChallengeStep]).toBeDefined();
      expect(c.steps.filter((s: ChallengeStep) => s === 'move_closer').length).toBeLessThanOrEqual(1);
    }
  });

  it('chooses uniformly among the allowed sequences (80 with the default pool)', () => {
    const all = allowedSequences(CHALLENGE_STEPS, 2, 3);
    // 2 steps: 20 ordered pairs less the 6 without a turn; 3 steps: 80 less 4 with two approaches, less 10 without a turn.
    expect(all.length).toBe(14 + 66);
    const random = seeded(2);
    const counts = new Map<string, number>();
    const draws = 48_000;
    for (let i = 0; i < draws; i++) {
      const key = issueChallenge({ now: 0, random }).steps.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(all.length);
    const expected = draws / all.length;
    // 600 expected per sequence: ±25% is over 6 standard deviations.
    for (const c of counts.values()) expect(Math.abs(c - expected)).toBeLessThan(0.25 * expected);
  });

  it('uses node:crypto by default, sets the expiry from the ttl, and honours the pool and lengths', () => {
    const c = issueChallenge({ now: 5_000, ttlMs: 30_000 });
    expect(c.issuedAt).toBe(5_000);
    expect(c.expiresAt).toBe(35_000);
    const seen = new Set(Array.from({ length: 200 }, () => issueChallenge({ now: 0 }).steps.join(',')));
    expect(seen.size).toBeGreaterThan(50);
    const turns = issueChallenge({ now: 0, pool: ['turn_left', 'turn_right'], minSteps: 3, maxSteps: 3 });
    expect(['turn_left,turn_right,turn_left', 'turn_right,turn_left,turn_right']).toContain(
      turns.steps.join(','),
    );
  });

  it('refuses impossible settings and a random source out of range', () => {
    expect(() => issueChallenge({ now: 0, pool: ['move_closer', 'look_up', 'look_down'] })).toThrow(
      RangeError,
    );
    expect(() => issueChallenge({ now: 0, minSteps: 3, maxSteps: 2 })).toThrow(RangeError);
    expect(() => issueChallenge({ now: 0, random: (n) => n })).toThrow(RangeError);
    expect(() => issueChallenge({ now: 0, random: () => 0.5 })).toThrow(RangeError);
  });
});
