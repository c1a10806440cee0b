import type pg from 'pg';

/** Milliseconds since the epoch on the database's clock, the one clock all instances share. */
const NOW_MS = '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint';

// One statement: a new key or an expired window starts at 1, a live window counts one more.
const INCREMENT = `
WITH now AS (SELECT ${NOW_MS} AS ms)
INSERT INTO rate_limits AS r (key, count, window_ends_at)
SELECT $1, 1, now.ms + $2 FROM now
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN r.window_ends_at <= (SELECT ms FROM now) THEN 1 ELSE r.count + 1 END,
  window_ends_at = CASE WHEN r.window_ends_at <= (SELECT ms FROM now)
    THEN EXCLUDED.window_ends_at ELSE r.window_ends_at END
RETURNING r.count, r.window_ends_at - (SELECT ms FROM now) AS ttl`;

const READ = `SELECT count, window_ends_at - ${NOW_MS} AS ttl FROM rate_limits
  WHERE key = $1 AND window_ends_at > ${NOW_MS}`;

const PURGE = `DELETE FROM rate_limits WHERE window_ends_at <= ${NOW_MS}`;

/** Expired windows are deleted once every this many increments of an instance. */
const PURGE_EVERY = 1_000;

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

/**
 * A store for `@fastify/rate-limit` whose counters live in PostgreSQL, so that every instance on
 * one database counts against the same limit (fixed windows, like the plugin's in-memory store).
 */
export function pgRateLimitStore(pool: pg.Pool) {
  let increments = 0;
  return class PgRateLimitStore {
    incr(key: string, cb: Callback, timeWindow: number) {
      if (++increments % PURGE_EVERY === 0) pool.query(PURGE).catch(() => {});
      pool.query<{ count: number; ttl: string }>(INCREMENT, [key, timeWindow]).then(
        ({ rows: [row] }) => cb(null, { current: row?.count ?? 1, ttl: Number(row?.ttl ?? timeWindow) }),
        (err: Error) => cb(err),
      );
    }

    read(key: string, cb: Callback) {
      pool.query<{ count: number; ttl: string }>(READ, [key]).then(
        ({ rows: [row] }) =>
          cb(null, row ? { current: row.count, ttl: Number(row.ttl) } : { current: 0, ttl: 0 }),
        (err: Error) => cb(err),
      );
    }

    /** Routes with limits of their own share the table: the keys are the same tokens and addresses. */
    child() {
      return this;
    }
  };
}
