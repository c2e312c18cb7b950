#!/usr/bin/env bash
# Authorization code + PKCE through the headless interaction API: a user (created through the admin
# API) logs in at /auth/login; the host's front end drives the interaction (login, consent) with
# JSON calls; the client exchanges the code with its PKCE verifier.
source "$(dirname "$0")/common.sh"
discover
new_user_session

step "register a confidential web client"
register_client "{\"client_name\":\"$(unique web-app)\",\"redirect_uris\":[\"$REDIRECT_URI\"],
  \"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],
  \"token_endpoint_auth_method\":\"client_secret_basic\",
  \"scope\":\"$OB_SCOPE/credential.readonly $OB_SCOPE/profile.readonly offline_access\"}"

step "the client sends the browser to /oauth/authorize (here: the front end asks for JSON)"
new_pkce
STATE=$(openssl rand -hex 16)
SCOPE="$OB_SCOPE/credential.readonly offline_access"
AUTHORIZE=$(authorize_path "$CLIENT_ID" "$SCOPE" "$STATE")
call GET "$AUTHORIZE" -H 'Accept: application/json'
expect_status 200
expect '.state == "login_required" and (.interaction_id | length > 0)'
expect --arg c "$CLIENT_ID" --arg s "$SCOPE" '.client.client_id == $c and .requested_scope == ($s | split(" "))'
INTERACTION=$(field .interaction_id)

# A browser (no Accept: application/json) is redirected to the host's front end when frontend_url is
# configured: 302 Location: <frontend_url>?interaction=<interaction_id>. Without it, the answer is
# this same JSON.

step "the front end reads the interaction, logs the user in with their session"
call GET "/oauth/interactions/$INTERACTION"
expect_status 200
expect '.state == "login_required"'
call POST "/oauth/interactions/$INTERACTION/login" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{}'
expect_status 200
expect --arg u "$USER_ID" '.state == "consent_required" and .subject == $u'

step "the user accepts; the answer says where to send the browser"
call POST "/oauth/interactions/$INTERACTION/consent" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{"decision":"accept","remember":false}'
expect_status 200
expect '.state == "completed"'
REDIRECT_TO=$(field .redirect_to)
[[ $REDIRECT_TO == "$REDIRECT_URI?"* ]] || fail "unexpected redirect_to $REDIRECT_TO"
[ "$(query_param "$REDIRECT_TO" state)" = "$STATE" ] || fail "state mismatch"
[ "$(query_param "$REDIRECT_TO" iss)" = "$ISSUER" ] || fail "iss mismatch (RFC 9207)"
CODE=$(query_param "$REDIRECT_TO" code)

step "the same decision again answers the same; a different one is 409"
call POST "/oauth/interactions/$INTERACTION/consent" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{"decision":"reject"}'
expect_status 409

step "exchange the code with the PKCE verifier and the same redirect_uri"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
  -d "code_verifier=$PKCE_VERIFIER"
expect_status 200
expect --arg s "$SCOPE" '.token_type == "Bearer" and .scope == $s and (.refresh_token | length > 0)'
ACCESS_TOKEN=$(field .access_token)
jwt_part "$ACCESS_TOKEN" | jq -e --arg u "$USER_ID" --arg c "$CLIENT_ID" '.sub == $u and .client_id == $c' \
  >/dev/null || fail "the access token is not the user's"
introspect "$ACCESS_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = true ] || fail "fresh access token is not active"

step "a code is single use: replaying it is invalid_grant and revokes what it issued"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
  -d "code_verifier=$PKCE_VERIFIER"
expect_status 400
expect '.error == "invalid_grant"'
sleep 1.5 # a revocation reaches every instance within revocation_poll_interval
introspect "$ACCESS_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$ACTIVE" = false ] || fail "the token of a replayed code is still active"

step "a wrong PKCE verifier spends the code too"
new_pkce
STATE=$(openssl rand -hex 16)
complete_interaction "$(authorize_path "$CLIENT_ID" "$SCOPE" "$STATE")" "$STATE"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
  -d "code_verifier=$(openssl rand 32 | b64url)"
expect_status 400
expect '.error == "invalid_grant"'
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
  -d "code_verifier=$PKCE_VERIFIER"
expect_status 400
expect '.error == "invalid_grant"'

step "rejecting consent sends error=access_denied back to the client"
new_pkce
call GET "$(authorize_path "$CLIENT_ID" "$SCOPE" s2)" -H 'Accept: application/json'
expect_status 200
INTERACTION=$(field .interaction_id)
call POST "/oauth/interactions/$INTERACTION/login" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{}'
expect_status 200
call POST "/oauth/interactions/$INTERACTION/consent" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
  -H 'Content-Type: application/json' -d '{"decision":"reject"}'
expect_status 200
expect '.state == "rejected"'
[ "$(query_param "$(field .redirect_to)" error)" = access_denied ] || fail "no access_denied"
echo "OK authorization code + PKCE"
