#!/usr/bin/env bash
# The glewlwyd peer (Debian package `glewlwyd`, C, SQLite) for bench/run.sh, configured minimally
# for client_credentials: its own SQLite database from the package's schema, the OpenID Connect
# plugin with ES256 JWT access tokens, one confidential client with client_secret_basic.
#   bench/glewlwyd.sh start DIR PORT   -> prints shell assignments (GLEWLWYD_PID, GLEWLWYD_URL, ...)
# Exits non-zero with the reason on its last line of stderr when it cannot be set up.
set -euo pipefail
[ "${1:-}" = start ] || { echo "usage: glewlwyd.sh start DIR PORT" >&2; exit 2; }
dir=$2
port=$3
schema=/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3
if ! command -v glewlwyd >/dev/null || [ ! -f "$schema" ] || ! command -v sqlite3 >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends glewlwyd sqlite3 >/dev/null 2>&1 ||
    { echo "glewlwyd is not installable (apt-get install glewlwyd failed)" >&2; exit 1; }
fi
mkdir -p "$dir"
rm -f "$dir/glewlwyd.db"
sqlite3 "$dir/glewlwyd.db" <"$schema"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$dir/key.pem"
openssl ec -in "$dir/key.pem" -pubout -out "$dir/pub.pem" 2>/dev/null
url="http://127.0.0.1:$port"
# The package's own configuration, on our port, with our database and a log file in DIR.
sed -e "s|^port=.*|port=$port|" -e "s|^external_url=.*|external_url=\"$url\"|" \
  -e 's|^log_mode=.*|log_mode="file"|' -e 's|^log_level=.*|log_level="WARNING"|' \
  -e "s|^log_file=.*|log_file=\"$dir/glewlwyd.log\"|" -e 's|^cookie_secure=.*|cookie_secure=0|' \
  -e "s|^@include \"/etc/glewlwyd/glewlwyd-db.conf\"|database = { type = \"sqlite3\"\\n path = \"$dir/glewlwyd.db\"\\n};|" \
  /etc/glewlwyd/glewlwyd.conf >"$dir/glewlwyd.conf"
glewlwyd --config-file="$dir/glewlwyd.conf" >>"$dir/glewlwyd.out" 2>&1 &
pid=$!
for _ in $(seq 400); do curl -sf -o /dev/null "$url/config" && break; sleep 0.025; done
curl -sf -o /dev/null "$url/config" || { echo "glewlwyd did not start: $(tail -n 3 "$dir/glewlwyd.log" "$dir/glewlwyd.out" 2>/dev/null | tr '\n' ' ')" >&2; kill $pid; exit 1; }
jar=$dir/cookies
api() {  # METHOD PATH JSON
  local out
  out=$(curl -s -o "$dir/api.out" -w '%{http_code}' -b "$jar" -c "$jar" -X "$1" -H 'Content-Type: application/json' "$url/api$2" -d "$3")
  [ "$out" = 200 ] || { echo "glewlwyd admin API $1 $2 answered $out: $(head -c 300 "$dir/api.out")" >&2; kill $pid; exit 1; }
}
# The package's schema creates the administrator admin/password.
api POST /auth/ '{"username":"admin","password":"password"}'
api POST /scope/ '{"name":"api:read","display_name":"api:read","description":"bench","password_required":false,"password_max_age":0,"scheme":{}}'
plugin=$(python3 - "$dir/key.pem" "$dir/pub.pem" "$url" <<'PY'
import json, sys
print(json.dumps({"module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "parameters": {
    "iss": sys.argv[3], "jwt-type": "ecdsa", "jwt-key-size": "256",
    "key": open(sys.argv[1]).read(), "cert": open(sys.argv[2]).read(),
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": False, "allow-non-oidc": True,
    "auth-type-client-enabled": True, "auth-type-code-enabled": False, "auth-type-token-enabled": False,
    "auth-type-none-enabled": False, "auth-type-password-enabled": False, "auth-type-refresh-enabled": False,
    "auth-type-device-enabled": False, "introspection-revocation-allowed": True,
    "introspection-revocation-auth-scope": [], "introspection-revocation-allow-target-client": True}}))
PY
)
api POST /mod/plugin/ "$plugin"
secret=bench-secret-0123456789abcdef0123456789abcdef
api POST /client/ "{\"client_id\":\"bench-client\",\"name\":\"bench\",\"enabled\":true,\"confidential\":true,\"client_secret\":\"$secret\",\"authorization_type\":[\"client_credentials\"],\"token_endpoint_auth_method\":[\"client_secret_basic\"],\"scope\":[\"api:read\"]}"
# glewlwyd requires an explicit scope with client_credentials; check one issuance end to end.
body=$(curl -s -u "bench-client:$secret" -d grant_type=client_credentials -d scope=api:read "$url/api/oidc/token")
case $body in
*access_token*) ;;
*) echo "glewlwyd issued no token: $(echo "$body" | head -c 300)" >&2; kill $pid; exit 1 ;;
esac
echo "GLEWLWYD_PID=$pid GLEWLWYD_URL=$url GLEWLWYD_TOKEN_PATH=/api/oidc/token GLEWLWYD_CLIENT_ID=bench-client GLEWLWYD_CLIENT_SECRET=$secret GLEWLWYD_SCOPE=api:read"
