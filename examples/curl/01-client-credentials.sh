#!/usr/bin/env bash
# Client credentials (machine to machine): register a confidential client (RFC 7591), get an
# RFC 9068 access token with client_secret_basic and with client_secret_post, and see the method
# the client registered is the only one accepted.
source "$(dirname "$0")/common.sh"
discover

step "register a client_credentials client that authenticates with HTTP Basic"
register_client "{\"client_name\":\"$(unique m2m)\",\"grant_types\":[\"client_credentials\"],
  \"response_types\":[],\"token_endpoint_auth_method\":\"client_secret_basic\",
  \"scope\":\"$OB_SCOPE/credential.readonly $OB_SCOPE/profile.readonly\"}"
expect '.client_id | startswith("cli_")'
expect '.client_secret | length >= 43'
expect '.token_endpoint_auth_method == "client_secret_basic"'
[ -n "$CLIENT_SECRET" ] || fail "no client_secret"

step "token with client_secret_basic; the scope defaults to the registered one"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
expect_status 200
expect '.token_type == "Bearer" and .expires_in > 0 and (.refresh_token | not)'
expect --arg s "$OB_SCOPE/credential.readonly $OB_SCOPE/profile.readonly" '.scope == $s'
[ "$(header Cache-Control)" = "no-store" ] || fail "token response without Cache-Control: no-store"
TOKEN=$(field .access_token)
[ "$(jwt_part "$TOKEN" 0 | jq -r .typ)" = "at+jwt" ] || fail "access token typ is not at+jwt"
jwt_part "$TOKEN" | jq -e --arg c "$CLIENT_ID" --arg i "$ISSUER" \
  '.sub == $c and .client_id == $c and .iss == $i and .aud == $i and .exp > .iat' >/dev/null ||
  fail "unexpected access token claims: $(jwt_part "$TOKEN")"

step "a narrower scope may be asked for; a scope outside the registration is invalid_scope"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
  --data-urlencode "scope=$OB_SCOPE/profile.readonly"
expect_status 200
expect --arg s "$OB_SCOPE/profile.readonly" '.scope == $s'
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
  --data-urlencode "scope=$OB_SCOPE/credential.upsert"
expect_status 400
expect '.error == "invalid_scope"'

step "a wrong secret is 401 invalid_client with a Basic challenge"
call POST /oauth/token -u "$CLIENT_ID:not-the-secret" -d grant_type=client_credentials
expect_status 401
expect '.error == "invalid_client"'
[[ $(header WWW-Authenticate) == Basic* ]] || fail "no WWW-Authenticate: Basic"

step "a Basic client may not switch to client_secret_post"
call POST /oauth/token -d grant_type=client_credentials -d "client_id=$CLIENT_ID" \
  --data-urlencode "client_secret=$CLIENT_SECRET"
expect_status 401
expect '.error == "invalid_client"'

step "register a client_secret_post client and get a token with the secret in the form"
register_client "{\"client_name\":\"$(unique m2m-post)\",\"grant_types\":[\"client_credentials\"],
  \"response_types\":[],\"token_endpoint_auth_method\":\"client_secret_post\",
  \"scope\":\"$OB_SCOPE/credential.readonly\"}"
call POST /oauth/token -d grant_type=client_credentials -d "client_id=$CLIENT_ID" \
  --data-urlencode "client_secret=$CLIENT_SECRET"
expect_status 200
expect '.token_type == "Bearer"'

step "the token endpoint takes form encoding only"
call POST /oauth/token -H 'Content-Type: application/json' \
  -d "{\"grant_type\":\"client_credentials\",\"client_id\":\"$CLIENT_ID\",\"client_secret\":\"$CLIENT_SECRET\"}"
expect_status 400
expect '.error == "invalid_request"'
echo "OK client credentials"
