#!/usr/bin/env bash
# Introspection (RFC 7662) by a resource server. A resource server either validates the JWT access
# token locally against /.well-known/jwks.json, or asks /oauth/introspect. Who may introspect: the
# token's own client, a client configured for the token's audience ([[resource_servers]] in the
# config file), or a credential with admin:tokens — here a service account for the resource server.
source "$(dirname "$0")/common.sh"
discover

step "an application gets a token"
register_client "{\"client_name\":\"$(unique app)\",\"grant_types\":[\"client_credentials\"],\"response_types\":[],
  \"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$OB_SCOPE/credential.readonly\"}"
APP_ID=$CLIENT_ID
APP_SECRET=$CLIENT_SECRET
call POST /oauth/token -u "$APP_ID:$APP_SECRET" -d grant_type=client_credentials
expect_status 200
TOKEN=$(field .access_token)

step "the resource server: a service account holding admin:tokens, with its own token"
admin_call POST /api/v1/clients -d "{\"client_name\":\"$(unique resource-server)\",
  \"grant_types\":[\"client_credentials\"],\"scope\":\"admin:tokens\",\"service_account\":true}"
expect_status 201
RS_ID=$(field .client_id)
RS_SECRET=$(field .client_secret)
call POST /oauth/token -u "$RS_ID:$RS_SECRET" -d grant_type=client_credentials
expect_status 200
RS_TOKEN=$(field .access_token)

step "the resource server introspects the application's token with its bearer token"
call POST /oauth/introspect -H "Authorization: Bearer $RS_TOKEN" --data-urlencode "token=$TOKEN"
expect_status 200
expect --arg c "$APP_ID" --arg i "$ISSUER" --arg s "$OB_SCOPE/credential.readonly" \
  '.active == true and .client_id == $c and .sub == $c and .iss == $i and .scope == $s and
   .token_type == "Bearer" and .exp > .iat and (.jti | length > 0)'
[ "$(header Cache-Control)" = no-store ] || fail "introspection without Cache-Control: no-store"

step "the token's own client may introspect it too"
introspect "$TOKEN" -u "$APP_ID:$APP_SECRET"
[ "$ACTIVE" = true ] || fail "own token not active"

step "any other client learns nothing: {\"active\": false}"
register_client "{\"client_name\":\"$(unique stranger)\",\"grant_types\":[\"client_credentials\"],
  \"response_types\":[],\"token_endpoint_auth_method\":\"client_secret_basic\",
  \"scope\":\"$OB_SCOPE/credential.readonly\"}"
introspect "$TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
[ "$BODY" = '{"active":false}' ] || fail "a stranger saw $BODY"

step "garbage is inactive, not an error; no credential is 401 invalid_client"
call POST /oauth/introspect -H "Authorization: Bearer $RS_TOKEN" -d token=not-a-token
expect_status 200
expect '.active == false'
call POST /oauth/introspect --data-urlencode "token=$TOKEN"
expect_status 401
expect '.error == "invalid_client"'

step "local validation: the token's kid is in the published key set"
KID=$(jwt_part "$TOKEN" 0 | jq -r .kid)
call GET /.well-known/jwks.json
expect_status 200
expect --arg k "$KID" 'any(.keys[]; .kid == $k) and all(.keys[]; has("d") | not)'
echo "OK introspection by a resource server"
