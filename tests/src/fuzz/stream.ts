import fc from 'fast-check';
import { mutated } from './mutate.js';
import type { Pool } from './pool.js';
import { exampleRequests, schemaRequests, toWire } from './requests.js';
import type { WireRequest } from './send.js';

/** Half the stream follows the schemas; the other half breaks a schema-made or example body. */
export function requestArbitrary(pool: Pool, canaryPort: number): fc.Arbitrary<WireRequest> {
  const fromSchema = schemaRequests(pool, canaryPort);
  return fc.oneof(
    { arbitrary: fromSchema.map((p) => toWire(p, 'schema')), weight: 5 },
    { arbitrary: fromSchema.chain(mutated), weight: 3 },
    { arbitrary: exampleRequests(pool, canaryPort).chain(mutated), weight: 2 },
  );
}

const BATCH = 100;

/**
 * `count` requests, generated lazily in batches (huge bodies are not all held at once), the same
 * ones for the same seed and pool: request `i` is in batch `⌊i / 100⌋`, generated with `seed + batch`.
 */
export function* requestStream(
  pool: Pool,
  canaryPort: number,
  seed: number,
  count: number,
): Generator<WireRequest> {
  const arbitrary = requestArbitrary(pool, canaryPort);
  for (let batch = 0; batch * BATCH < count; batch++) {
    const size = Math.min(BATCH, count - batch * BATCH);
    yield* fc.sample(arbitrary, { seed: seed + batch, numRuns: size });
  }
}
