-- Open Badges 3.0 issuer: issuer profiles, achievements and the credentials we issued. Timestamps
-- are Unix seconds, JSON is TEXT. STRICT: a value of the wrong type is an error.

CREATE TABLE badge_issuers (
  id TEXT NOT NULL PRIMARY KEY,  -- "iss_..."; the OB Profile id is <base>/issuers/<id>
  profile TEXT NOT NULL,         -- JSON: the OB Profile
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE badge_achievements (
  id TEXT NOT NULL PRIMARY KEY,  -- "ach_..."; the OB Achievement id is <base>/achievements/<id>
  issuer_id TEXT NOT NULL REFERENCES badge_issuers (id),
  achievement TEXT NOT NULL,  -- JSON: the OB Achievement
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX badge_achievements_issuer_id_idx ON badge_achievements (issuer_id, id);

-- Every credential we signed, as signed; revocation is published in the issuer's revocation list.
CREATE TABLE badge_issued_credentials (
  id TEXT NOT NULL PRIMARY KEY,              -- "crd_..."; the API handle
  credential_id TEXT NOT NULL UNIQUE,        -- the credential's own id (urn:uuid:...)
  issuer_id TEXT NOT NULL REFERENCES badge_issuers (id),
  achievement_id TEXT NOT NULL REFERENCES badge_achievements (id),
  recipient TEXT NOT NULL,                   -- credentialSubject.id, or the identity hash
  delivered_to TEXT,                         -- the user whose store received it
  credential TEXT NOT NULL,                  -- JSON
  compact_jws TEXT NOT NULL,
  created_by TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revocation_reason TEXT
) STRICT;
CREATE INDEX badge_issued_credentials_issuer_revoked_idx ON badge_issued_credentials (issuer_id, revoked_at);
