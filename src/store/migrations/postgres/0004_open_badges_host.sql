-- Open Badges 3.0 host: each user's credential store and OB Profile. Timestamps are Unix seconds,
-- JSON is TEXT stored exactly as accepted (same as SQLite, so repositories share their SQL).

-- A credential in a user's store, keyed as the OB 3.0 upsert rule keys it: (issuer.id, id), per owner.
CREATE TABLE ob_credentials (
  owner_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issuer_id TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  credential TEXT NOT NULL,  -- JSON
  compact_jws TEXT,          -- the VC-JWT it came as, when it came as one
  valid_from BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (owner_user_id, issuer_id, credential_id)
);
-- getCredentials pages in validFrom order and filters `since` on it.
CREATE INDEX ob_credentials_owner_valid_from_idx ON ob_credentials (owner_user_id, valid_from);

-- The profile a user stored with PUT /profile; absent until then (built from the account).
CREATE TABLE ob_profiles (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  profile TEXT NOT NULL,  -- JSON
  updated_at BIGINT NOT NULL
);
