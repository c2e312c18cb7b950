#!/usr/bin/env bash
# Programmatic consent: an admin (or the host's back end) pre-authorizes a client for a user, so the
# user's authorization completes without a consent prompt; consents are listed, revoked one by one
# or in bulk, and every change is in the consent's ledger. Users manage their own at /auth/me/consents.
source "$(dirname "$0")/common.sh"
discover
new_user_session
register_web_client consenting-app
SCOPE="$OB_SCOPE/credential.readonly offline_access"

step "pre-authorize the client for the user"
admin_call POST /api/v1/consents -d "{\"subject\":\"$USER_ID\",\"client_id\":\"$CLIENT_ID\",
  \"grant_scope\":[\"$OB_SCOPE/credential.readonly\",\"offline_access\"]}"
expect_status 201
expect --arg u "$USER_ID" --arg c "$CLIENT_ID" \
  '(.id | startswith("cns_")) and .subject == $u and .client_id == $c and .remember == true and .revoked_at == null'
CONSENT_ID=$(field .id)

step "the user's authorization now completes at once (the session rides on /oauth/authorize)"
new_pkce
call GET "$(authorize_path "$CLIENT_ID" "$SCOPE" pre-authorized)" -H "Authorization: Bearer $SESSION" \
  -H 'Accept: application/json'
expect_status 200
REDIRECT_TO=$(field .redirect_to)
CODE=$(query_param "$REDIRECT_TO" code)
[ -n "$CODE" ] || fail "no code without a prompt: $REDIRECT_TO"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" -d "code_verifier=$PKCE_VERIFIER"
expect_status 200
ACCESS_TOKEN=$(field .access_token)
REFRESH_TOKEN=$(field .refresh_token)

step "narrow the consent (pre-authorizing again replaces the scope), then read it back"
admin_call POST /api/v1/consents -d "{\"subject\":\"$USER_ID\",\"client_id\":\"$CLIENT_ID\",
  \"grant_scope\":[\"$OB_SCOPE/credential.readonly\"]}"
expect_status 201
expect --arg id "$CONSENT_ID" --arg s "$OB_SCOPE/credential.readonly" '.id == $id and .scope == [$s]'
admin_call GET "/api/v1/consents?subject=$USER_ID&client_id=$CLIENT_ID"
expect_status 200
expect --arg id "$CONSENT_ID" '.items | length == 1 and .[0].id == $id'

step "the user sees their consents"
call GET /auth/me/consents -H "Authorization: Bearer $SESSION"
expect_status 200
expect --arg id "$CONSENT_ID" 'any(.items[]; .id == $id)'

step "revoke the consent: its tokens die with it"
admin_call DELETE "/api/v1/consents/$CONSENT_ID"
expect_status 204
wait_for_revocation
introspect "$ACCESS_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "access token outlived its consent"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$REFRESH_TOKEN"
expect_status 400
expect '.error == "invalid_grant"'

step "the ledger: every grant, narrowing, widening and revocation, with actor and time"
admin_call GET "/api/v1/consents/$CONSENT_ID/ledger"
expect_status 200
expect '[.items[].action] == ["pre_authorized", "narrowed", "revoked"]'
expect 'all(.items[]; (.actor | startswith("api_key:")) and (.at | endswith("Z")))'

step "bulk: revoke every consent of a client (or of a subject)"
register_web_client second-app
SECOND_ID=$CLIENT_ID
admin_call POST /api/v1/consents -d "{\"subject\":\"$USER_ID\",\"client_id\":\"$SECOND_ID\",
  \"grant_scope\":[\"$OB_SCOPE/profile.readonly\"]}"
expect_status 201
SAVE_USER=$USER_ID
new_user_session
admin_call POST /api/v1/consents -d "{\"subject\":\"$USER_ID\",\"client_id\":\"$SECOND_ID\",
  \"grant_scope\":[\"$OB_SCOPE/profile.readonly\"]}"
expect_status 201
admin_call POST /api/v1/consents/revoke -d "{\"client_id\":\"$SECOND_ID\"}"
expect_status 200
expect '.revoked == 2'
admin_call POST /api/v1/consents/revoke -d "{\"subject\":\"$SAVE_USER\"}"
expect_status 200
expect '.revoked == 0'
admin_call POST /api/v1/consents/revoke -d '{}'
expect_status 400

step "remembered consent from the interaction: the user's own revocation"
call GET "$(authorize_path "$SECOND_ID" "$OB_SCOPE/profile.readonly" s1)" -H 'Accept: application/json'
expect_status 200
INTERACTION=$(field .interaction_id)
call POST "/oauth/interactions/$INTERACTION/login" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{}'
expect_status 200
expect '.state == "consent_required"'
call POST "/oauth/interactions/$INTERACTION/consent" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{"decision":"accept","remember":true}'
expect_status 200
call GET /auth/me/consents -H "Authorization: Bearer $SESSION"
expect_status 200
OWN=$(jq -r --arg c "$SECOND_ID" '[.items[] | select(.client_id == $c and .revoked_at == null)][0].id' <<<"$BODY")
[ "$OWN" != null ] || fail "no remembered consent"
call DELETE "/auth/me/consents/$OWN" -H "Authorization: Bearer $SESSION"
expect_status 204
echo "OK programmatic consent"
