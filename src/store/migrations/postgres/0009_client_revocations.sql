-- client_credentials access tokens are not recorded one by one unless the server is told to
-- (record_client_credentials_tokens), so revoking every token of a client cannot mark their rows.
-- It records a cut-off instead: the client's access tokens issued up to issued_before_us are
-- revoked. One row per client (the latest cut-off), kept until no token it covers can be live.
-- Every instance reads the whole table each revocation_poll_interval: it holds at most the clients
-- revoked in the last day.
CREATE TABLE oauth_client_revocations (
  client_id TEXT NOT NULL PRIMARY KEY,
  issued_before_us BIGINT NOT NULL,  -- microseconds since the Unix epoch
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL
);
CREATE INDEX oauth_client_revocations_expires_at_idx ON oauth_client_revocations (expires_at);
