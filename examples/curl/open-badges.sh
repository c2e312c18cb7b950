#!/usr/bin/env bash
# Open Badges 3.0: an issuer (admin API) issues a signed OpenBadgeCredential to a learner; the
# learner's app, authorized with PKCE, reads it from the OB 3.0 REST API, upserts credentials, reads
# and updates the profile; the issuer verifies and revokes a credential.
source "$(dirname "$0")/common.sh"
OB=/ims/ob/v3p0
discover

step "the service description is public and names our OAuth endpoints"
call GET "$OB/discovery"
expect_status 200
expect --arg a "$ISSUER/oauth/authorize" --arg t "$ISSUER/oauth/token" \
  '.components.securitySchemes.OAuth2ACG.flows.authorizationCode | .authorizationUrl == $a and .tokenUrl == $t'
ETAG=$(header ETag)
call GET "$OB/discovery" -H "If-None-Match: $ETAG"
expect_status 304

step "the issuer side (admin:badges): an issuer profile and an achievement"
admin_call POST /api/v1/issuers -d '{"name":"Example University","url":"https://university.example.org"}'
expect_status 201
expect --arg u "$ISSUER/issuers/" '(.id | startswith($u)) and .type == ["Profile"]'
ISSUER_ID=$(field .id)
admin_call POST /api/v1/achievements -d "{\"issuer\":\"$ISSUER_ID\",\"name\":\"Curl Mastery\",
  \"description\":\"Talks to OAuth servers with curl.\",\"criteria\":{\"narrative\":\"Ran the examples.\"}}"
expect_status 201
expect '.type == ["Achievement"] and .criteria.narrative == "Ran the examples."'
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
expect --arg p "$ISSUER/ims/ob/v3p0/profiles/$USER_ID" '.id == $p and .type == ["Profile"]'
PROFILE=$BODY
PROFILE_ID=$(field .id)

step "issue a credential to the learner: a VC-JWT signed RS256, kid resolvable in the JWKS"
admin_call POST /api/v1/credentials -d "{\"issuer\":\"$ISSUER_ID\",
  \"credentialSubject\":{\"id\":\"$PROFILE_ID\",\"achievement\":\"$ACHIEVEMENT_ID\"}}"
expect_status 201
expect '.credential.type == ["VerifiableCredential", "OpenBadgeCredential"]'
ISSUED=$BODY
JWS=$(field .compact_jws)
CREDENTIAL_ID=$(field .credential.id)
HEADER=$(jwt_part "$JWS" 0)
KID=$(jq -r .kid <<<"$HEADER")
jq -e --arg k "$ISSUER/keys/" '.alg == "RS256" and .typ == "JWT" and (.kid | startswith($k))' <<<"$HEADER" \
  >/dev/null || fail "VC-JWT header $HEADER"
# The payload is the credential itself (no "vc" claim) plus iss, jti, nbf and sub.
jwt_part "$JWS" | jq -e --arg s "$PROFILE_ID" --arg i "$ISSUER_ID" --arg j "$CREDENTIAL_ID" \
  '.credentialSubject.id == $s and .sub == $s and .iss == $i and .issuer.id == $i and .jti == $j and (.vc | not)' \
  >/dev/null || fail "the VC-JWT payload is not the credential"
# The kid is a URL that dereferences to the public JWK, the same as under that kid in the JWKS.
call GET "$KID"
expect_status 200
KEY=$BODY
call GET /.well-known/jwks.json
expect --argjson key "$KEY" --arg k "$KID" 'any(.keys[]; .kid == $k and . == $key)'

step "the wallet reads it from the learner's store (paged, X-Total-Count)"
call GET "$OB/credentials?limit=10&offset=0" -H "$BEARER"
expect_status 200
# Issued credentials are delivered as their VC-JWT, so they come back in compactJwsString.
expect --arg j "$JWS" '.compactJwsString == [$j] and .credential == []'
[ "$(header X-Total-Count)" = 1 ] || fail "X-Total-Count is $(header X-Total-Count), not 1"
[[ $(header Link) == *'rel="first"'* && $(header Link) == *'rel="last"'* ]] || fail "Link: $(header Link)"

step "upsert a VC-JWT (text/plain): 201 when new, 200 when the same issuer.id and id are there"
# Issued to another recipient, so not delivered to the learner's store.
admin_call POST /api/v1/credentials -d "{\"issuer\":\"$ISSUER_ID\",
  \"credentialSubject\":{\"id\":\"did:example:someone-else\",\"achievement\":\"$ACHIEVEMENT_ID\"}}"
expect_status 201
OTHER_JWS=$(field .compact_jws)
for want in 201 200; do
  call POST "$OB/credentials" -H "$BEARER" -H 'Content-Type: text/plain' --data-binary "$OTHER_JWS"
  expect_status "$want"
  [ "$BODY" = "$OTHER_JWS" ] || fail "the upsert did not echo the JWS"
done
call POST "$OB/credentials" -H "$BEARER" -H 'Content-Type: text/plain' --data-binary "${OTHER_JWS%?????}AAAAA"
expect_status 422
expect '.imsx_codeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue == "invalid_data"'
call GET "$OB/credentials?limit=1&offset=1" -H "$BEARER"
expect_status 200
[ "$(header X-Total-Count)" = 2 ] || fail "X-Total-Count is $(header X-Total-Count), not 2"
[[ $(header Link) == *'offset=0>; rel="prev"'* ]] || fail "Link: $(header Link)"

step "the issuer verifies the learner's credential, revokes it, and verification says so"
call POST /api/v1/credentials/verify -H "X-API-Key: $ADMIN_API_KEY" -H 'Content-Type: text/plain' \
  --data-binary "$JWS"
expect_status 200
expect '.verified == true and all(.checks[]; .passed)'
admin_call POST "/api/v1/credentials/$(jq -r .id <<<"$ISSUED")/revoke" -d '{"reason":"awarded in error"}'
expect_status 200
call POST /api/v1/credentials/verify -H "X-API-Key: $ADMIN_API_KEY" -H 'Content-Type: text/plain' \
  --data-binary "$JWS"
expect '.verified == false and any(.checks[]; .check == "status" and (.passed | not))'

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
expect '.imsx_codeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue == "invalid_query_parameter"'
echo "OK Open Badges"
