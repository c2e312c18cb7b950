-- Abuse limits (issue 8). Per-client quotas set through the admin API, and the shared token-bucket
-- state through which PostgreSQL instances coordinate their rate limits.

-- One row per limited endpoint of a client ('token', 'introspect', 'par'). requests = 0 exempts
-- the client; no row means the configured default applies.
CREATE TABLE client_quotas (
  client_id TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
  endpoint TEXT NOT NULL CHECK (endpoint IN ('token', 'introspect', 'par')),
  requests BIGINT NOT NULL CHECK (requests >= 0),
  per_seconds BIGINT NOT NULL CHECK (per_seconds > 0),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, endpoint)
);

-- GCRA state of a bucket: its theoretical arrival time, Unix microseconds. Written only by the
-- instances' periodic reconciliation (never once per request); rows far in the past are deleted.
CREATE TABLE rate_limit_state (
  limit_name TEXT NOT NULL,
  bucket_key TEXT NOT NULL,
  tat_micros BIGINT NOT NULL,
  PRIMARY KEY (limit_name, bucket_key)
);
CREATE INDEX rate_limit_state_tat ON rate_limit_state (tat_micros);
