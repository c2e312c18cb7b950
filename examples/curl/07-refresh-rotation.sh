#!/usr/bin/env bash
# Refresh-token rotation: every refresh spends the refresh token and returns a new one. Presenting a
# spent token again is taken as theft (RFC 9700 §4.14): the whole token family is revoked.
source "$(dirname "$0")/common.sh"
discover
new_user_session
register_web_client refresh-app

step "offline_access in the scope gives a refresh token"
user_tokens "$OB_SCOPE/credential.readonly $OB_SCOPE/profile.readonly offline_access"
[ -n "$REFRESH_TOKEN" ] || fail "no refresh_token"
RT1=$REFRESH_TOKEN

step "refresh: a new access token and a new refresh token"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT1"
expect_status 200
expect --arg old "$RT1" '.token_type == "Bearer" and .refresh_token != $old and (.access_token | length > 0)'
RT2=$(field .refresh_token)
AT2=$(field .access_token)

step "a refresh may narrow the scope, never widen it"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$RT2" --data-urlencode "scope=$OB_SCOPE/credential.readonly offline_access"
expect_status 200
expect --arg s "$OB_SCOPE/credential.readonly offline_access" '.scope == $s'
RT3=$(field .refresh_token)
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$RT3" --data-urlencode "scope=$OB_SCOPE/credential.upsert"
expect_status 400
expect '.error == "invalid_scope"'

step "the rotated token is no longer active"
introspect "$RT1" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "a rotated refresh token is still active"
introspect "$RT3" -u "$CLIENT_ID:$CLIENT_SECRET"
expect '.active == true and .token_type == "refresh_token"'

step "reuse of a rotated token: invalid_grant, and the whole family is revoked"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT1"
expect_status 400
expect '.error == "invalid_grant"'
wait_for_revocation
introspect "$RT3" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "the newest refresh token survived reuse of an old one"
introspect "$AT2" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "an access token of the family survived"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT3"
expect_status 400
expect '.error == "invalid_grant"'

step "the theft is in the audit log"
admin_call GET '/api/v1/audit-events?event=refresh_token.reuse_detected&limit=200'
expect_status 200
expect '.items | length >= 1'
echo "OK refresh rotation and reuse detection"
