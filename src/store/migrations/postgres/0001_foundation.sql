-- Foundation schema. Timestamps are Unix seconds, booleans 0/1, JSON is TEXT (same as SQLite, so
-- repositories share their SQL).

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,  -- lower-cased by the repository
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user',
  disabled SMALLINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,  -- space-separated
  created_by TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  last_used_at BIGINT
);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_key_encrypted TEXT NOT NULL,  -- base64
  public_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  activates_at BIGINT NOT NULL,  -- signs from then
  retired_at BIGINT,             -- stops signing
  expires_at BIGINT              -- unpublished after
);

CREATE TABLE auth_sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  refreshed_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id);

CREATE TABLE audit_events (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT,
  subject TEXT,
  ip TEXT,
  outcome TEXT NOT NULL,
  details TEXT  -- JSON
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_event_at_idx ON audit_events (event, at);
