-- Rate-limit counters shared by every instance on this database: one row per key (a token's
-- signature or an IP address) and its current fixed window, counted by one atomic upsert.
-- PostgreSQL only: a SQLite server is a single instance and counts in memory.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  window_ends_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_window_ends_at ON rate_limits (window_ends_at);
