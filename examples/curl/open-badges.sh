#!/usr/bin/env bash
# Open Badges 3.0 (the issue 5 contract): an issuer (admin API) issues a signed OpenBadgeCredential
# to a learner; the learner's app, authorized with PKCE, reads it from the OB 3.0 REST API, reads and
# updates the profile, and upserts a credential. examples/run-all.sh runs this only when
# GET /ims/ob/v3p0/discovery answers 200.
source "$(dirname "$0")/common.sh"
OB=/ims/ob/v3p0
discover

step "the service description is public and names our OAuth endpoints"
call GET "$OB/discovery"
expect_status 200
expect --arg a "$ISSUER/oauth/authorize" --arg t "$ISSUER/oauth/token" \
  '.components.securitySchemes.OAuth2ACG.flows.authorizationCode | .authorizationUrl == $a and .tokenUrl == $t'

step "the issuer side (admin:badges): an issuer profile and an achievement"
admin_call POST /api/v1/issuers -d '{"name":"Example University","url":"https://university.example.org"}'
expect_status 201
expect '(.id | length > 0) and (.type | index("Profile"))'
ISSUER_ID=$(field .id)
admin_call POST /api/v1/achievements -d "{\"issuer\":\"$ISSUER_ID\",\"name\":\"Curl Mastery\",
  \"description\":\"Talks to OAuth servers with curl.\",\"criteria\":{\"narrative\":\"Ran the examples.\"}}"
expect_status 201
ACHIEVEMENT_ID=$(field .id)

step "the learner authorizes a wallet app with all four Open Badges scopes"
new_user_session
SCOPE="$OB_SCOPE/credential.readonly $OB_SCOPE/credential.upsert $OB_SCOPE/profile.readonly $OB_SCOPE/profile.update"
register_client "{\"client_name\":\"$(unique wallet)\",\"redirect_uris\":[\"$REDIRECT_URI\"],
  \"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"],
  \"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$SCOPE\"}"
user_tokens "$SCOPE"
BEARER="Authorization: Bearer $ACCESS_TOKEN"

step "the learner's profile gives the recipient id"
call GET "$OB/profile" -H "$BEARER"
expect_status 200
PROFILE=$BODY
PROFILE_ID=$(field .id)

step "issue a credential to the learner: a VC-JWT signed RS256, kid resolvable in the JWKS"
admin_call POST /api/v1/credentials -d "{\"issuer\":\"$ISSUER_ID\",
  \"credentialSubject\":{\"id\":\"$PROFILE_ID\",\"achievement\":\"$ACHIEVEMENT_ID\"}}"
expect_status 201
expect '.credential.type == ["VerifiableCredential", "OpenBadgeCredential"]'
JWS=$(field .compact_jws)
CREDENTIAL_ID=$(field .credential.id)
HEADER=$(jwt_part "$JWS" 0)
jq -e '.alg == "RS256" and (.kid | startswith("http"))' <<<"$HEADER" >/dev/null || fail "VC-JWT header $HEADER"
jwt_part "$JWS" | jq -e --arg s "$PROFILE_ID" '.credentialSubject.id == $s and (.vc | not)' >/dev/null ||
  fail "the VC-JWT payload is not the credential"
call GET /.well-known/jwks.json
expect --arg k "$(jq -r .kid <<<"$HEADER")" 'any(.keys[]; .kid == $k)'

step "the wallet reads it from the learner's store (paged, X-Total-Count)"
call GET "$OB/credentials?limit=10&offset=0" -H "$BEARER"
expect_status 200
# A credential stored from a VC-JWT comes back in compactJwsString; one stored as JSON in credential.
expect --arg j "$JWS" --arg id "$CREDENTIAL_ID" \
  '((.compactJwsString // []) | index($j)) or any((.credential // [])[]; .id == $id)'
[ "$(header X-Total-Count)" -ge 1 ] || fail "no X-Total-Count"

step "upsert a compact JWS (text/plain): 201 when new, 200 when it replaces one (issuing delivered it)"
admin_call POST /api/v1/credentials -d "{\"issuer\":\"$ISSUER_ID\",
  \"credentialSubject\":{\"id\":\"$PROFILE_ID\",\"achievement\":\"$ACHIEVEMENT_ID\"},
  \"validFrom\":\"2020-01-01T00:00:00Z\"}"
expect_status 201
call POST "$OB/credentials" -H "$BEARER" -H 'Content-Type: text/plain' --data-binary "$(field .compact_jws)"
[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ] || fail "upsert answered $STATUS"

step "update the profile: 200 with the stored profile"
call PUT "$OB/profile" -H "$BEARER" -H 'Content-Type: application/json' \
  -d "$(jq -c '.name = "Renamed Learner"' <<<"$PROFILE")"
expect_status 200
expect '.name == "Renamed Learner"'

step "errors are Imsx_StatusInfo with an RFC 6750 challenge"
call GET "$OB/credentials"
expect_status 401
expect '.imsx_codeMajor == "failure" and .imsx_severity == "error"'
[[ $(header WWW-Authenticate) == Bearer* ]] || fail "no Bearer challenge"
call GET "$OB/credentials?limit=-1" -H "$BEARER"
expect_status 400
expect '.imsx_codeMajor == "failure"'
echo "OK Open Badges"
