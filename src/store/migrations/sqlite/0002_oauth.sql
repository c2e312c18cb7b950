-- OAuth 2.0 authorization server tables. Timestamps are Unix seconds, booleans 0/1, lists are
-- space-separated TEXT, JSON is TEXT. STRICT: a value of the wrong type is an error.

CREATE TABLE oauth_clients (
  client_id TEXT NOT NULL PRIMARY KEY,
  client_secret_hash TEXT,       -- HMAC-SHA256 hex; NULL for public and private_key_jwt clients
  client_secret_encrypted TEXT,  -- AES-GCM, base64; client_secret_jwt only
  client_secret_expires_at INTEGER NOT NULL DEFAULT 0,  -- 0: never
  registration_token_hash TEXT,
  token_endpoint_auth_method TEXT NOT NULL,
  grant_types TEXT NOT NULL,  -- space-separated
  scope TEXT NOT NULL,        -- space-separated
  metadata TEXT NOT NULL,     -- JSON object
  service_account INTEGER NOT NULL DEFAULT 0 CHECK (service_account IN (0, 1)),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- No foreign key to oauth_clients: the batched writer inserts thousands of rows per statement, and
-- one row whose client was deleted meanwhile must not fail the whole batch. delete_client deletes
-- the tokens itself. WITHOUT ROWID: the jti is the only key, so one B-tree less per insert.
CREATE TABLE oauth_tokens (
  jti TEXT NOT NULL PRIMARY KEY,  -- access: the JWT's jti; refresh: HMAC hex of the token
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,     -- space-separated
  audience TEXT NOT NULL,  -- space-separated
  grant_id TEXT,
  parent_jti TEXT,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  used_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX oauth_tokens_client_id_jti_idx ON oauth_tokens (client_id, jti);
CREATE INDEX oauth_tokens_subject_jti_idx ON oauth_tokens (subject, jti);
CREATE INDEX oauth_tokens_expires_at_idx ON oauth_tokens (expires_at);
CREATE INDEX oauth_tokens_grant_id_idx ON oauth_tokens (grant_id);

-- The cross-instance deny list, polled by id. Kept until the revoked token expires, even when the
-- token row itself is deleted.
CREATE TABLE oauth_revocations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so pollers never miss a row
  jti TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_revocations_expires_at_idx ON oauth_revocations (expires_at);

-- Every revocation of a token row is recorded by the same statement that sets revoked_at, so the
-- deny list can never miss one, whatever the caller's transaction.
CREATE TRIGGER oauth_tokens_record_revocation
AFTER UPDATE OF revoked_at ON oauth_tokens
FOR EACH ROW WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
  INSERT INTO oauth_revocations (jti, expires_at, revoked_at)
  VALUES (NEW.jti, NEW.expires_at, NEW.revoked_at);
END;

-- RFC 7523 client assertions already seen, until they expire.
CREATE TABLE oauth_assertion_jtis (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
) STRICT, WITHOUT ROWID;
CREATE INDEX oauth_assertion_jtis_expires_at_idx ON oauth_assertion_jtis (expires_at);
