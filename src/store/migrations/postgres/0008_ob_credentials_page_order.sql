-- getCredentials pages in (validFrom, issuer id, credential id) order: with the whole order in the
-- index, a page is read off the index in order instead of being sorted per request.
DROP INDEX ob_credentials_owner_valid_from_idx;
CREATE INDEX ob_credentials_owner_page_idx ON ob_credentials (owner_user_id, valid_from, issuer_id, credential_id);
