#!/usr/bin/env bash
# Pushed authorization requests (RFC 9126): the client posts the authorization parameters to
# /oauth/par with its credentials and sends the browser only client_id and the request_uri.
source "$(dirname "$0")/common.sh"
discover
new_user_session
call GET /.well-known/oauth-authorization-server
expect --arg e "$ISSUER/oauth/par" '.pushed_authorization_request_endpoint == $e'

register_client "{\"client_name\":\"$(unique par-app)\",\"redirect_uris\":[\"$REDIRECT_URI\"],
  \"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"],
  \"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$OB_SCOPE/profile.readonly\"}"

step "push the request, authenticated like at the token endpoint"
new_pkce
call POST /oauth/par -u "$CLIENT_ID:$CLIENT_SECRET" -d response_type=code \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "scope=$OB_SCOPE/profile.readonly" \
  -d state=pushed-state -d "code_challenge=$PKCE_CHALLENGE" -d code_challenge_method=S256
expect_status 201
expect '(.request_uri | startswith("urn:ietf:params:oauth:request_uri:")) and .expires_in > 0'
REQUEST_URI=$(field .request_uri)

step "the browser goes to /oauth/authorize with client_id and request_uri only"
complete_interaction "/oauth/authorize?client_id=$CLIENT_ID&request_uri=$(uri_encode "$REQUEST_URI")" pushed-state
call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" -d "code_verifier=$PKCE_VERIFIER"
expect_status 200
expect --arg s "$OB_SCOPE/profile.readonly" '.scope == $s'

step "a request_uri is single use: the second time it is invalid_request_uri at the redirect URI"
call GET "/oauth/authorize?client_id=$CLIENT_ID&request_uri=$(uri_encode "$REQUEST_URI")" -H 'Accept: application/json'
expect_status 200
[ "$(query_param "$(field .redirect_to)" error)" = invalid_request_uri ] || fail "reuse was not invalid_request_uri"

step "PAR needs client authentication"
call POST /oauth/par -d "client_id=$CLIENT_ID" -d response_type=code \
  -d "code_challenge=$PKCE_CHALLENGE" -d code_challenge_method=S256
expect_status 401
expect '.error == "invalid_client"'

step "a bad pushed request is refused at once, with the OAuth error"
call POST /oauth/par -u "$CLIENT_ID:$CLIENT_SECRET" -d response_type=code \
  --data-urlencode "redirect_uri=https://evil.example.org/cb" -d "code_challenge=$PKCE_CHALLENGE" \
  -d code_challenge_method=S256
expect_status 400
expect '.error == "invalid_request"'
echo "OK pushed authorization requests"
