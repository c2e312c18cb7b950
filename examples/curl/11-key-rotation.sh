#!/usr/bin/env bash
# Signing-key rotation: a new key is published at /.well-known/jwks.json key_activation_delay
# seconds before it signs, so every verifier (and every instance) has it in time; the old key stays
# published until what it signed has expired. (CLI: `badgeserver admin rotate-keys`.)
# Tokens are signed with the signing_alg key (ES256 by default): rotating with another "alg" adds a
# key for that algorithm and leaves the token-signing key as it is.
source "$(dirname "$0")/common.sh"
discover

register_client "{\"client_name\":\"$(unique rotation-watcher)\",\"grant_types\":[\"client_credentials\"],
  \"response_types\":[],\"token_endpoint_auth_method\":\"client_secret_basic\",
  \"scope\":\"$OB_SCOPE/credential.readonly\"}"
token() {
  call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
  expect_status 200
  field .access_token
}

step "the key list: one active key signs"
admin_call GET /api/v1/keys
expect_status 200
expect 'any(.items[]; .status == "active")'
OLD_TOKEN=$(token)
OLD_KID=$(jwt_part "$OLD_TOKEN" 0 | jq -r .kid)
ALG=$(jwt_part "$OLD_TOKEN" 0 | jq -r .alg)

step "rotate the $ALG key (no alg: the configured signing_alg): 201, pending, with its activation time"
admin_call POST /api/v1/keys/rotate -d '{}'
expect_status 201
expect --arg a "$ALG" '.alg == $a and .status == "pending" and (.public_jwk | has("d") | not)'
NEW_KID=$(field .kid)
ACTIVATES_AT=$(field .activates_at)

step "the new key is published at once, before it signs"
call GET /.well-known/jwks.json
expect_status 200
expect --arg k "$NEW_KID" --arg o "$OLD_KID" 'any(.keys[]; .kid == $k) and any(.keys[]; .kid == $o)'
[ "$(jwt_part "$(token)" 0 | jq -r .kid)" != "$NEW_KID" ] || fail "a pending key signed"

step "an unknown algorithm is refused"
admin_call POST /api/v1/keys/rotate -d '{"alg":"none"}'
expect_status 400

# Past activates_at, plus one key_refresh_interval for the instance to reload the key set.
WAIT=$(($(date -d "$ACTIVATES_AT" +%s) - $(date +%s) + ${KEY_REFRESH_INTERVAL:-2}))
if ((WAIT > ${KEY_ROTATION_MAX_WAIT:-15})); then
  echo "-- the new key activates at $ACTIVATES_AT; not waiting $WAIT s (KEY_ROTATION_MAX_WAIT)"
else
  step "after the activation delay ($WAIT s) the new key signs; the old tokens still verify"
  sleep "$WAIT"
  NEW_TOKEN=$(token)
  jwt_part "$NEW_TOKEN" 0 | jq -e --arg k "$NEW_KID" --arg a "$ALG" '.kid == $k and .alg == $a' >/dev/null ||
    fail "the new key does not sign: $(jwt_part "$NEW_TOKEN" 0)"
  introspect "$OLD_TOKEN" -u "$CLIENT_ID:$CLIENT_SECRET"
  [ "$ACTIVE" = true ] || fail "a token of the old key stopped verifying"
  admin_call GET /api/v1/keys
  expect --arg k "$NEW_KID" --arg o "$OLD_KID" \
    'any(.items[]; .kid == $k and .status == "active") and any(.items[]; .kid == $o and .status == "retired")'
  call GET /.well-known/jwks.json
  expect --arg o "$OLD_KID" 'any(.keys[]; .kid == $o)'
fi
echo "OK key rotation"
