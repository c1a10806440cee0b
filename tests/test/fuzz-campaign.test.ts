import { describe, expect, it } from 'vitest';
import { runStore } from '../src/fuzz/campaign.js';

// A short seeded run of `pnpm fuzz` on each store: generated and mutated requests, the issue's
// sequences and races, a kill -9 under load and the integrity checks. `FUZZ_CAMPAIGN_SEED` replays
// another seed; the full campaign (10,000+ requests per store) is `pnpm fuzz`.
const SEED = Number(process.env.FUZZ_CAMPAIGN_SEED ?? 20261201);
const REQUESTS = 300;

describe.each(['sqlite', 'postgres'] as const)('a short fuzz campaign on %s', (store) => {
  it(`answers ${REQUESTS} generated requests and the sequences without a 5xx or a hang, and keeps its data`, async () => {
    const report = await runStore(store, {
      requests: REQUESTS,
      seed: SEED,
      stores: [store],
      concurrency: 4,
      poolSize: 12,
      killAfter: 30,
    });
    const summary = (n: (typeof report.serverErrors)[number]) =>
      `#${n.index} ${n.request.method} ${n.request.path} (${n.request.kind}) ${n.request.body ?? ''} → ${n.status} ${n.answer}`;
    expect(report.byPhase.generated).toBe(REQUESTS);
    expect(report.serverErrors.map(summary)).toEqual([]);
    expect(report.hangs.map(summary)).toEqual([]);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  }, 600_000);
});
