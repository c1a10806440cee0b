import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFixtures } from '@faceproof/face-engine/fixtures';
import type { CampaignOptions } from './campaign.js';
import { passed, type StoreReport, table } from './report.js';
import type { StoreKind } from './target.js';

const USAGE = `pnpm fuzz [--requests 10000] [--seed N] [--store sqlite|postgres|both] [--concurrency 8]
          [--pool 40] [--kill-after 150] [--out tests/fuzz-results/fuzz-<seed>.json]`;

function options(): CampaignOptions & { out: string } {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      store: { type: 'string', default: 'both' },
      concurrency: { type: 'string', default: '8' },
      pool: { type: 'string', default: '40' },
      'kill-after': { type: 'string', default: '150' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const stores: Record<string, StoreKind[]> = {
    sqlite: ['sqlite'],
    postgres: ['postgres'],
    both: ['sqlite', 'postgres'],
  };
  const chosen = stores[values.store];
  if (!chosen) throw new Error(`--store must be sqlite, postgres or both\n${USAGE}`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  return {
    requests: Number(values.requests),
    seed,
    stores: chosen,
    concurrency: Number(values.concurrency),
    poolSize: Number(values.pool),
    killAfter: Number(values['kill-after']),
    out: resolve(values.out ?? `fuzz-results/fuzz-${seed}.json`),
    log: (line) => console.error(line),
  };
}

function machine() {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

async function main() {
  const o = options();
  // The photos are read when the campaign's modules load, so they are installed first.
  await ensureFixtures();
  const { runStore } = await import('./campaign.js');
  const reports: StoreReport[] = [];
  for (const store of o.stores) reports.push(await runStore(store, o));
  const ok = reports.every(passed);
  const { log: _log, ...settings } = o;
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify({ ok, settings, machine: machine(), stores: reports }, null, 2)}\n`);
  console.log(table(reports));
  console.log(`\nseed ${o.seed}; report ${o.out}`);
  process.exitCode = ok ? 0 : 1;
}

await main();
