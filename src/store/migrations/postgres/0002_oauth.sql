-- OAuth 2.0 authorization server tables. Timestamps are Unix seconds, booleans 0/1, lists are
-- space-separated TEXT, JSON is TEXT (same as SQLite, so repositories share their SQL).

CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  client_secret_hash TEXT,       -- HMAC-SHA256 hex; NULL for public and private_key_jwt clients
  client_secret_encrypted TEXT,  -- AES-GCM, base64; client_secret_jwt only
  client_secret_expires_at BIGINT NOT NULL DEFAULT 0,  -- 0: never
  registration_token_hash TEXT,
  token_endpoint_auth_method TEXT NOT NULL,
  grant_types TEXT NOT NULL,  -- space-separated
  scope TEXT NOT NULL,        -- space-separated
  metadata TEXT NOT NULL,     -- JSON object
  service_account SMALLINT NOT NULL DEFAULT 0 CHECK (service_account IN (0, 1)),
  enabled SMALLINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- No foreign key to oauth_clients: the batched writer inserts thousands of rows per statement, and
-- one row whose client was deleted meanwhile must not fail the whole batch; the key-share lock
-- every insert would take on a busy client's row is avoided too. delete_client deletes the tokens.
CREATE TABLE oauth_tokens (
  jti TEXT PRIMARY KEY,  -- access: the JWT's jti; refresh: HMAC hex of the token
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,     -- space-separated
  audience TEXT NOT NULL,  -- space-separated
  grant_id TEXT,
  parent_jti TEXT,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  used_at BIGINT
);
CREATE INDEX oauth_tokens_client_id_jti_idx ON oauth_tokens (client_id, jti);
CREATE INDEX oauth_tokens_subject_jti_idx ON oauth_tokens (subject, jti);
CREATE INDEX oauth_tokens_expires_at_idx ON oauth_tokens (expires_at);
CREATE INDEX oauth_tokens_grant_id_idx ON oauth_tokens (grant_id);

-- The cross-instance deny list, polled by id. Kept until the revoked token expires, even when the
-- token row itself is deleted.
CREATE TABLE oauth_revocations (
  id BIGSERIAL PRIMARY KEY,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL
);
CREATE INDEX oauth_revocations_expires_at_idx ON oauth_revocations (expires_at);

-- Every revocation of a token row is recorded by the same statement that sets revoked_at, so the
-- deny list can never miss one, whatever the caller's transaction.
-- Pollers read "id > last id seen", which needs ids to become visible in increasing order. A
-- sequence alone does not give that (a transaction holding id 7 may commit after one holding id 8),
-- so revoking transactions take one transaction-scoped advisory lock (key: ASCII "bsrevoke") before
-- drawing ids and hold it until they commit. Revocations are rare next to token issuance.
CREATE FUNCTION oauth_tokens_record_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7094139618142940005);
  INSERT INTO oauth_revocations (jti, expires_at, revoked_at)
  VALUES (NEW.jti, NEW.expires_at, NEW.revoked_at);
  RETURN NULL;
END
$$;
CREATE TRIGGER oauth_tokens_record_revocation
AFTER UPDATE OF revoked_at ON oauth_tokens
FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
EXECUTE FUNCTION oauth_tokens_record_revocation();

-- RFC 7523 client assertions already seen, until they expire.
CREATE TABLE oauth_assertion_jtis (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_assertion_jtis_expires_at_idx ON oauth_assertion_jtis (expires_at);
