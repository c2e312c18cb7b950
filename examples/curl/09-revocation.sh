#!/usr/bin/env bash
# Revocation (RFC 7009): a client revokes its own access or refresh tokens; the endpoint always
# answers 200, and another client's token is left alone. Admins revoke through /api/v1/tokens.
source "$(dirname "$0")/common.sh"
discover
new_user_session
register_web_client revoking-app

step "revoke an access token"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
expect_status 400 # a web client is not registered for client_credentials
expect '.error == "unauthorized_client"'
user_tokens "$OB_SCOPE/credential.readonly offline_access"
call POST /oauth/revoke -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$ACCESS_TOKEN" \
  -d token_type_hint=access_token
expect_status 200
[ -z "$BODY" ] || fail "revocation answered a body"
introspect "$ACCESS_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "revoked access token is active"

step "revoking the refresh token ends its grant: the refresh token and its access tokens"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$REFRESH_TOKEN"
expect_status 200
ACCESS_TOKEN=$(field .access_token)
REFRESH_TOKEN=$(field .refresh_token)
call POST /oauth/revoke -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$REFRESH_TOKEN" \
  -d token_type_hint=refresh_token
expect_status 200
wait_for_revocation
introspect "$ACCESS_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "access token of a revoked grant is active"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$REFRESH_TOKEN"
expect_status 400
expect '.error == "invalid_grant"'

step "unknown tokens and another client's tokens: 200, and nothing happens"
OWNER_ID=$CLIENT_ID
OWNER_SECRET=$CLIENT_SECRET
user_tokens "$OB_SCOPE/credential.readonly"
register_web_client other-app
call POST /oauth/revoke -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$ACCESS_TOKEN"
expect_status 200
introspect "$ACCESS_TOKEN" -u "$OWNER_ID:$OWNER_SECRET"
[ "$ACTIVE" = true ] || fail "another client revoked a token not its own"
call POST /oauth/revoke -u "$CLIENT_ID:$CLIENT_SECRET" -d token=no-such-token
expect_status 200

step "the admin API lists a user's tokens and revokes them all"
admin_call GET "/api/v1/tokens?subject=$USER_ID"
expect_status 200
expect --arg c "$OWNER_ID" 'any(.items[]; .client_id == $c)'
admin_call POST /api/v1/tokens/revoke -d "{\"subject\":\"$USER_ID\"}"
expect_status 200
expect '.revoked >= 1'
wait_for_revocation
introspect "$ACCESS_TOKEN" -u "$OWNER_ID:$OWNER_SECRET"
[ "$ACTIVE" = false ] || fail "admin revocation did not take"
echo "OK revocation"
