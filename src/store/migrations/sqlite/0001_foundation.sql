-- Foundation schema. Timestamps are Unix seconds, booleans 0/1, JSON is TEXT.
-- STRICT: a value of the wrong type is an error instead of being stored as-is.

CREATE TABLE users (
  id TEXT NOT NULL PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,  -- lower-cased by the repository
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user',
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,  -- space-separated
  created_by TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER
) STRICT;

CREATE TABLE signing_keys (
  kid TEXT NOT NULL PRIMARY KEY,
  alg TEXT NOT NULL,
  private_key_encrypted TEXT NOT NULL,  -- base64
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  activates_at INTEGER NOT NULL,  -- signs from then
  retired_at INTEGER,             -- stops signing
  expires_at INTEGER              -- unpublished after
) STRICT;

CREATE TABLE auth_sessions (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  refreshed_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so it is a stable pagination cursor
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  actor TEXT,
  subject TEXT,
  ip TEXT,
  outcome TEXT NOT NULL,
  details TEXT  -- JSON
) STRICT;
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_event_at_idx ON audit_events (event, at);
