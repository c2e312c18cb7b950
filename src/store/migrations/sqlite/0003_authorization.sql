-- Authorization-code flow (headless interactions, codes, RFC 9126 pushed requests) and programmatic
-- consent. Timestamps are Unix seconds, booleans 0/1, lists are space-separated TEXT, JSON is TEXT.
-- STRICT: a value of the wrong type is an error. Bearer values (interaction ids, codes, request
-- URIs) are stored only as SHA-256 hex, so a read of the database does not hand them out.

-- One authorization request waiting for the login and consent decisions of a headless front end.
CREATE TABLE oauth_interactions (
  id_hash TEXT NOT NULL PRIMARY KEY,
  client_id TEXT NOT NULL,
  request TEXT NOT NULL,  -- JSON of the validated authorization request
  state TEXT NOT NULL
    CHECK (state IN ('login_required', 'consent_required', 'completed', 'rejected', 'expired')),
  subject TEXT,
  granted_scope TEXT,  -- space-separated; NULL until decided
  remember INTEGER NOT NULL DEFAULT 0 CHECK (remember IN (0, 1)),
  decision TEXT CHECK (decision IN ('accept', 'reject')),
  redirect_to TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_interactions_expires_at_idx ON oauth_interactions (expires_at);

-- Used codes stay until they expire, so a replay is recognized and its grant's tokens revoked.
-- WITHOUT ROWID: small rows keyed only by the hash, so one B-tree less per insert.
CREATE TABLE oauth_authorization_codes (
  code_hash TEXT NOT NULL PRIMARY KEY,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  code_challenge_method TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,     -- space-separated
  audience TEXT NOT NULL,  -- space-separated
  grant_id TEXT NOT NULL,  -- every token issued from the code carries it
  interaction_id_hash TEXT,
  nonce TEXT,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX oauth_authorization_codes_expires_at_idx ON oauth_authorization_codes (expires_at);

CREATE TABLE oauth_par_requests (
  request_uri_hash TEXT NOT NULL PRIMARY KEY,
  client_id TEXT NOT NULL,
  params TEXT NOT NULL,  -- JSON
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX oauth_par_requests_expires_at_idx ON oauth_par_requests (expires_at);

-- Revoked consents are kept (the ledger refers to them), so only live ones are unique.
CREATE TABLE oauth_consents (
  id TEXT NOT NULL PRIMARY KEY,
  subject TEXT NOT NULL,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,  -- space-separated
  remember INTEGER NOT NULL DEFAULT 0 CHECK (remember IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE UNIQUE INDEX oauth_consents_live_idx ON oauth_consents (subject, client_id) WHERE revoked_at IS NULL;
-- (column, id): the filtered listings are keyset-paginated by id.
CREATE INDEX oauth_consents_subject_id_idx ON oauth_consents (subject, id);
CREATE INDEX oauth_consents_client_id_id_idx ON oauth_consents (client_id, id);

-- Append-only history of every consent change.
CREATE TABLE oauth_consent_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so it orders a consent's history
  consent_id TEXT NOT NULL REFERENCES oauth_consents (id),
  subject TEXT NOT NULL,
  client_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('granted', 'narrowed', 'widened', 'revoked', 'pre_authorized')),
  scope TEXT NOT NULL,  -- space-separated, after the action
  actor TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_consent_ledger_consent_id_id_idx ON oauth_consent_ledger (consent_id, id);
