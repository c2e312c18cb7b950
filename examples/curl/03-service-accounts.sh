#!/usr/bin/env bash
# Service accounts: OAuth clients created through the admin API that may hold admin scopes, so a
# service authenticates with client_credentials instead of a long-lived API key.
source "$(dirname "$0")/common.sh"

step "create a service account allowed to manage users"
admin_call POST /api/v1/clients -d "{\"client_name\":\"$(unique ops-bot)\",
  \"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"client_secret_basic\",
  \"scope\":\"admin:users\",\"service_account\":true}"
expect_status 201
expect '.service_account == true and .enabled == true and (.client_secret | length >= 43)'
CLIENT_ID=$(field .client_id)
CLIENT_SECRET=$(field .client_secret)

step "the secret is shown once: reading the client back never shows it"
admin_call GET "/api/v1/clients/$CLIENT_ID"
expect_status 200
expect '(has("client_secret") | not) and .service_account == true'

step "client_credentials gives an access token that works on the admin API like an API key"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
expect_status 200
expect '.scope == "admin:users"'
TOKEN=$(field .access_token)
call GET '/api/v1/users?limit=1' -H "Authorization: Bearer $TOKEN"
expect_status 200
call GET /api/v1/api-keys -H "Authorization: Bearer $TOKEN"
expect_status 403
expect '.error == "insufficient_scope"'

step "a client that is not a service account may not hold admin scopes"
admin_call POST /api/v1/clients -d '{"grant_types":["client_credentials"],"scope":"admin:users"}'
expect_status 400
expect '.error == "invalid_client_metadata"'

step "rotate the secret: the old one stops working, the new one is shown once"
admin_call POST "/api/v1/clients/$CLIENT_ID/rotate-secret"
expect_status 200
NEW_SECRET=$(field .client_secret)
[ -n "$NEW_SECRET" ] && [ "$NEW_SECRET" != "$CLIENT_SECRET" ] || fail "no new secret"
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
expect_status 401
call POST /oauth/token -u "$CLIENT_ID:$NEW_SECRET" -d grant_type=client_credentials
expect_status 200
TOKEN=$(field .access_token)

step "disabling the account revokes its tokens"
admin_call POST "/api/v1/clients/$CLIENT_ID/disable"
expect_status 200
expect '.enabled == false'
sleep 1.5 # revocations reach every instance within revocation_poll_interval (1 s)
call GET '/api/v1/users?limit=1' -H "Authorization: Bearer $TOKEN"
expect_status 401
call POST /oauth/token -u "$CLIENT_ID:$NEW_SECRET" -d grant_type=client_credentials
expect_status 401
expect '.error == "invalid_client"'

step "delete it"
admin_call DELETE "/api/v1/clients/$CLIENT_ID"
expect_status 204
admin_call GET "/api/v1/clients/$CLIENT_ID"
expect_status 404
echo "OK service accounts"
