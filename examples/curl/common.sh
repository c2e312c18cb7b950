# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables the helpers set are read by the scripts that source this
# Helpers shared by the curl examples (sourced, not run). Every helper fails the script on surprise.
#
#   call METHOD PATH [curl args...]   sends a request; sets STATUS and BODY (and HEADERS_FILE)
#   expect_status CODE                 the last response had this status, or the script exits 1
#   expect [jq args...] 'JQ FILTER'    the filter is true on the last body (jq -e), or exit 1
#   field 'JQ FILTER'                  prints a value of the last body (raw strings)
set -euo pipefail

: "${BASE_URL:?set BASE_URL, e.g. http://127.0.0.1:8080}"
: "${ADMIN_API_KEY:?set ADMIN_API_KEY to an API key with the admin scope}"
BASE_URL=${BASE_URL%/}

OB_SCOPE=https://purl.imsglobal.org/spec/ob/v3p0/scope
REDIRECT_URI=https://app.example.org/callback

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/badgeserver-curl.XXXXXX")
trap 'rm -rf "$WORK_DIR"' EXIT
HEADERS_FILE=$WORK_DIR/headers
STATUS=
BODY=

fail() {
  echo "FAIL ($(basename "$0")): $*" >&2
  [ -n "$BODY" ] && echo "last response ($STATUS): $BODY" >&2
  exit 1
}

step() { echo "-- $*"; }

call() {
  local method=$1 path=$2
  shift 2
  local url=$path
  [[ $url == http* ]] || url=$BASE_URL$path
  STATUS=$(curl -sS -X "$method" -o "$WORK_DIR/body" -D "$HEADERS_FILE" -w '%{http_code}' "$@" "$url") ||
    fail "curl could not reach $url"
  BODY=$(cat "$WORK_DIR/body")
}

# JSON request with the admin API key.
admin_call() {
  local method=$1 path=$2
  shift 2
  call "$method" "$path" -H "X-API-Key: $ADMIN_API_KEY" -H 'Content-Type: application/json' "$@"
}

expect_status() {
  [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS"
}

expect() { # [jq options such as --arg NAME VALUE ...] FILTER
  local filter=${!#}
  jq -e "${@:1:$#-1}" "$filter" <<<"$BODY" >/dev/null 2>&1 || fail "expected $filter"
}

field() { jq -r "$1" <<<"$BODY"; }

header() {
  grep -i "^$1:" "$HEADERS_FILE" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'
}

unique() { echo "$1-$(openssl rand -hex 4)"; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

b64url_decode() {
  local s
  s=$(tr -- '-_' '+/' <<<"$1")
  while ((${#s} % 4)); do s+='='; done
  openssl base64 -d -A <<<"$s"
}

# The JSON payload (or with 0, the header) of a compact JWS.
jwt_part() { b64url_decode "$(cut -d. -f$((${2:-1} + 1)) <<<"$1")"; }

# PKCE (RFC 7636): a 43-character verifier and its S256 challenge.
new_pkce() {
  PKCE_VERIFIER=$(openssl rand 32 | b64url)
  PKCE_CHALLENGE=$(printf '%s' "$PKCE_VERIFIER" | openssl dgst -sha256 -binary | b64url)
}

# A query parameter of a URL, percent-decoded.
query_param() {
  python3 -c 'import sys, urllib.parse as u
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
print(q.get(sys.argv[2], [""])[0])' "$1" "$2"
}

# Creates a user through the admin API and logs in: sets USER_ID, USER_EMAIL and SESSION.
new_user_session() {
  USER_EMAIL="$(unique learner)@example.org"
  local password='correct horse battery staple'
  admin_call POST /api/v1/users -d "{\"email\":\"$USER_EMAIL\",\"password\":\"$password\",\"name\":\"Learner\"}"
  expect_status 201
  USER_ID=$(field .id)
  call POST /auth/login -H 'Content-Type: application/json' \
    -d "{\"email\":\"$USER_EMAIL\",\"password\":\"$password\"}"
  expect_status 200
  expect '.token_type == "Bearer" and (.access_token | length > 0)'
  SESSION=$(field .access_token)
}

# Registers a client (RFC 7591) from JSON metadata: sets CLIENT_ID and CLIENT_SECRET (maybe empty).
register_client() {
  call POST /oauth/register -H 'Content-Type: application/json' -d "$1"
  expect_status 201
  CLIENT_ID=$(field .client_id)
  CLIENT_SECRET=$(field '.client_secret // empty')
}

# Drives an interaction to completion as the logged-in user: GET the authorization URL with
# Accept: application/json, log in, accept consent. Sets CODE from the final redirect (state checked).
complete_interaction() {
  local authorize_url=$1 expected_state=$2
  call GET "$authorize_url" -H 'Accept: application/json'
  expect_status 200
  expect '.state == "login_required"'
  local id
  id=$(field .interaction_id)
  call POST "/oauth/interactions/$id/login" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
    -H 'Content-Type: application/json' -d '{}'
  expect_status 200
  expect '.state == "consent_required"'
  call POST "/oauth/interactions/$id/consent" -H "Authorization: Bearer $SESSION" -H 'Accept: application/json' \
    -H 'Content-Type: application/json' -d '{"decision":"accept"}'
  expect_status 200
  expect '.state == "completed"'
  local to
  to=$(field .redirect_to)
  [[ $to == "$REDIRECT_URI?"* ]] || fail "redirect_to is not the registered redirect URI: $to"
  [ "$(query_param "$to" state)" = "$expected_state" ] || fail "state changed in $to"
  [ "$(query_param "$to" iss)" = "$ISSUER" ] || fail "iss (RFC 9207) is not the issuer in $to"
  CODE=$(query_param "$to" code)
  [ -n "$CODE" ] || fail "no code in $to"
}

# The issuer, from the RFC 8414 metadata.
discover() {
  call GET /.well-known/oauth-authorization-server
  expect_status 200
  ISSUER=$(field .issuer)
}

# Introspects TOKEN with the given curl client-authentication arguments; sets ACTIVE.
introspect() {
  local token=$1
  shift
  call POST /oauth/introspect "$@" --data-urlencode "token=$token"
  expect_status 200
  ACTIVE=$(field .active)
}

uri_encode() { jq -rn --arg v "$1" '$v|@uri'; }

# The authorization request (RFC 6749 §4.1.1 with PKCE S256) for CLIENT_ID, SCOPE and STATE.
authorize_path() {
  local client_id=$1 scope=$2 state=$3
  echo "/oauth/authorize?response_type=code&client_id=$client_id&redirect_uri=$(uri_encode "$REDIRECT_URI")&scope=$(uri_encode "$scope")&state=$state&code_challenge=$PKCE_CHALLENGE&code_challenge_method=S256"
}

# An RSA key for signing request objects / client assertions: sets RSA_KEY (PEM file) and RSA_JWK
# (the public JWK, with kid and alg RS256).
new_rsa_key() {
  RSA_KEY=$WORK_DIR/rsa-$1.pem
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RSA_KEY" 2>/dev/null
  local n
  n=$(openssl rsa -in "$RSA_KEY" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
  RSA_JWK=$(jq -cn --arg n "$n" --arg kid "$1" '{kty:"RSA",n:$n,e:"AQAB",kid:$kid,alg:"RS256",use:"sig"}')
}

# A compact JWS (RS256) of the JSON header $1 and payload $2, signed with RSA_KEY.
sign_rs256() {
  local input
  input="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
  printf '%s.%s' "$input" "$(printf '%s' "$input" | openssl dgst -sha256 -sign "$RSA_KEY" -binary | b64url)"
}

# The whole authorization-code flow for the registered confidential client (CLIENT_ID, CLIENT_SECRET)
# and the logged-in user: sets ACCESS_TOKEN and REFRESH_TOKEN (empty without offline_access).
user_tokens() {
  local scope=$1 state
  state=$(openssl rand -hex 8)
  new_pkce
  complete_interaction "$(authorize_path "$CLIENT_ID" "$scope" "$state")" "$state"
  call POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code \
    --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" -d "code_verifier=$PKCE_VERIFIER"
  expect_status 200
  ACCESS_TOKEN=$(field .access_token)
  REFRESH_TOKEN=$(field '.refresh_token // empty')
}

# Registers a confidential web client (client_secret_basic) for the authorization-code flow.
register_web_client() {
  register_client "{\"client_name\":\"$(unique "$1")\",\"redirect_uris\":[\"$REDIRECT_URI\"],
    \"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],
    \"token_endpoint_auth_method\":\"client_secret_basic\",
    \"scope\":\"$OB_SCOPE/credential.readonly $OB_SCOPE/profile.readonly offline_access\"}"
}

# Waits out revocation_poll_interval (1 s by default): how long a revocation made on one instance
# takes to reach every instance's in-memory deny list.
wait_for_revocation() { sleep "${REVOCATION_WAIT:-1.5}"; }
