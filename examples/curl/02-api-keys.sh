#!/usr/bin/env bash
# API keys: the admin credential for scripts and back ends. Mint a least-privilege key, use it,
# see it refused outside its scopes, list keys (never the secret), revoke it.
source "$(dirname "$0")/common.sh"

step "create a key that may only manage users"
admin_call POST /api/v1/api-keys -d "{\"name\":\"$(unique users-bot)\",\"scopes\":[\"admin:users\"],
  \"expires_at\":\"2999-01-01T00:00:00Z\"}"
expect_status 201
expect '(.api_key | startswith("bsk_")) and .scopes == ["admin:users"] and .expires_at == "2999-01-01T00:00:00Z"'
KEY_ID=$(field .id)
KEY=$(field .api_key)

step "the key works where its scope allows"
call GET '/api/v1/users?limit=1' -H "X-API-Key: $KEY"
expect_status 200
expect '(.items | type == "array") and has("next_cursor")'

step "and is 403 insufficient_scope elsewhere"
call GET /api/v1/api-keys -H "X-API-Key: $KEY"
expect_status 403
expect '.error == "insufficient_scope"'
[[ $(header WWW-Authenticate) == *insufficient_scope* ]] || fail "no insufficient_scope challenge"

step "the listing shows metadata, never the secret"
admin_call GET "/api/v1/api-keys/$KEY_ID"
expect_status 200
expect --arg id "$KEY_ID" '.id == $id and (has("api_key") | not)'
[[ $BODY != *"${KEY#*.}"* ]] || fail "the secret appears in the listing"

step "a key cannot mint a key with more than it holds; unknown scopes are invalid_scope"
admin_call POST /api/v1/api-keys -d '{"name":"x","scopes":["superuser"]}'
expect_status 400
expect '.error == "invalid_scope"'

step "revoke it; the key is 401 from then on"
admin_call DELETE "/api/v1/api-keys/$KEY_ID"
expect_status 204
call GET /api/v1/users -H "X-API-Key: $KEY"
expect_status 401
expect '.error == "invalid_token"'
admin_call DELETE "/api/v1/api-keys/$KEY_ID"
expect_status 404

step "no credential at all is 401 with a Bearer challenge"
call GET /api/v1/users
expect_status 401
[[ $(header WWW-Authenticate) == Bearer* ]] || fail "no Bearer challenge"
echo "OK API keys"
