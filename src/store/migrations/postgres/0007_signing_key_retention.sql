-- A key that signed long-lived credentials (Open Badges) keeps its public half published after
-- expires_at, for as long as those credentials are valid: until retain_public_until, or forever
-- when one of them has no end of validity (retain_public_forever = 1). It never signs again.
ALTER TABLE signing_keys ADD COLUMN retain_public_until BIGINT;
ALTER TABLE signing_keys ADD COLUMN retain_public_forever INTEGER NOT NULL DEFAULT 0;

-- Badges issued before this migration: their validUntil is not known here, so every RS256 key
-- (the badge algorithm) that was signing when one of them was issued is kept forever.
UPDATE signing_keys SET retain_public_forever = 1
WHERE alg = 'RS256' AND EXISTS (
  SELECT 1 FROM badge_issued_credentials c
  WHERE c.issued_at + 1 >= signing_keys.activates_at
    AND (signing_keys.retired_at IS NULL OR c.issued_at <= signing_keys.retired_at));
