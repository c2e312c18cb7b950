#!/usr/bin/env bash
# JWT-secured authorization requests (RFC 9101): the authorization parameters travel inside a
# request object signed with a key from the client's registered jwks (RS256 here, made with openssl).
source "$(dirname "$0")/common.sh"
discover
new_user_session
new_rsa_key jar-key-1

step "register a client with its public key (jwks)"
register_client "{\"client_name\":\"$(unique jar-app)\",\"redirect_uris\":[\"$REDIRECT_URI\"],
  \"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"],
  \"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$OB_SCOPE/credential.readonly\",
  \"jwks\":{\"keys\":[$RSA_JWK]}}"

request_object() { # $1: lifetime in seconds
  local now
  now=$(date +%s)
  sign_rs256 '{"alg":"RS256","kid":"jar-key-1","typ":"oauth-authz-req+jwt"}' "$(jq -cn \
    --arg iss "$CLIENT_ID" --arg aud "$ISSUER" --arg r "$REDIRECT_URI" --arg s "$OB_SCOPE/credential.readonly" \
    --arg c "$PKCE_CHALLENGE" --argjson now "$now" --argjson life "$1" \
    '{iss:$iss, aud:$aud, client_id:$iss, response_type:"code", redirect_uri:$r, scope:$s,
      state:"signed-state", code_challenge:$c, code_challenge_method:"S256", iat:$now, exp:($now + $life)}')"
}

step "send the signed request object as request=...; its parameters win over outer ones"
new_pkce
JWT=$(request_object 300)
complete_interaction "/oauth/authorize?client_id=$CLIENT_ID&request=$JWT&state=outer-state" signed-state
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" -d "code_verifier=$PKCE_VERIFIER"
expect_status 200
expect --arg s "$OB_SCOPE/credential.readonly" '.scope == $s'

step "JAR and PAR combine: push the request object"
new_pkce
call POST /oauth/par -u "$CLIENT_ID:$CLIENT_SECRET" -d "request=$(request_object 300)"
expect_status 201
complete_interaction "/oauth/authorize?client_id=$CLIENT_ID&request_uri=$(uri_encode "$(field .request_uri)")" \
  signed-state

step "a request object signed by another key is invalid_request_object"
new_pkce
JWT=$(request_object 300)
new_rsa_key jar-key-1 # same kid, different key: a forgery
FORGED=$(request_object 300)
call GET "/oauth/authorize?client_id=$CLIENT_ID&request=$FORGED" -H 'Accept: application/json'
expect_status 200
[ "$(query_param "$(field .redirect_to)" error)" = invalid_request_object ] || fail "forgery accepted"

step "an unsigned (alg none) request object is invalid_request_object"
NONE="$(printf '{"alg":"none"}' | b64url).$(jq -cn --arg c "$CLIENT_ID" '{iss:$c,response_type:"code"}' | b64url)."
call GET "/oauth/authorize?client_id=$CLIENT_ID&request=$NONE" -H 'Accept: application/json'
expect_status 200
[ "$(query_param "$(field .redirect_to)" error)" = invalid_request_object ] || fail "alg none accepted"
echo "OK JWT-secured authorization requests"
