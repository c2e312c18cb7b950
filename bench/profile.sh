#!/usr/bin/env bash
# Instructions per request of one endpoint, from valgrind's callgrind: a count that does not depend
# on the machine's load, so before/after comparisons of an optimization hold on a busy machine.
# Runs badgeserver (Release build) under callgrind, warms up, zeroes the counters, sends REQUESTS
# requests over one keep-alive connection, dumps, and prints Ir/request and the top functions.
#   bench/profile.sh                               # client_credentials, client_secret_basic
#   SCENARIO=introspection REQUESTS=500 bench/profile.sh
#   SCENARIO=private_key_jwt bench/profile.sh      # assertions pre-signed by bench/assertions.mjs
#   KEEP=/tmp/cg.out bench/profile.sh              # keep the callgrind file (callgrind_annotate it)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
SCENARIO=${SCENARIO:-client_credentials}
REQUESTS=${REQUESTS:-1000}
TOP=${TOP:-25}
PORT=${PORT:-18380}
DATABASE=${DATABASE:-sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
command -v valgrind >/dev/null || { apt-get update && apt-get install -y --no-install-recommends valgrind; }
bin=${BIN:-$root/build/badgeserver}
[ -x "$bin" ] || { echo "build Release first (build/badgeserver)" >&2; exit 2; }

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

export BADGESERVER_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
if [ "$DATABASE" = postgres ]; then
  psql "$PG_ADMIN_URL" -q -c 'DROP DATABASE IF EXISTS badgeserver_profile' -c 'CREATE DATABASE badgeserver_profile' >/dev/null
  db="${PG_ADMIN_URL%/*}/badgeserver_profile"
else
  db="sqlite:$work/profile.db"
fi
admin=$("$bin" admin create-api-key --database "$db" --name profile --scopes admin | json_field api_key)
# Background tasks far apart, so their work does not land in the measured window.
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --dump-instr=no --collect-jumps=no \
  "$bin" serve --database "$db" --listen "127.0.0.1:$PORT" --log-level warn --workers 4 \
  --revocation-poll-interval 3600 --janitor-interval 86400 --key-refresh-interval 3600 2>"$work/server.log" &
pid=$!
for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.1; done
client=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/clients" \
  -d '{"client_name":"profile","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"}')
cid=$(echo "$client" | json_field client_id)
csecret=$(echo "$client" | json_field client_secret)
if [ "$SCENARIO" = private_key_jwt ]; then
  # jose comes with the node-oidc-provider peer's dependencies (npm, into a scratch folder).
  cp -r "$root/../shared/peers/oidc-provider" "$work/node" 2>/dev/null || cp -r /work/shared/peers/oidc-provider "$work/node"
  (cd "$work/node" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
  cp "$root/bench/assertions.mjs" "$work/node/"
  jwks=$(cd "$work/node" && node assertions.mjs keygen "$work/key.json")
  cid=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/clients" \
    -d "{\"client_name\":\"profile pkjwt\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"token_endpoint_auth_signing_alg\":\"ES256\",\"jwks\":$jwks,\"scope\":\"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly\"}" | json_field client_id)
  (cd "$work/node" && node assertions.mjs sign "$work/key.json" "$cid" "http://127.0.0.1:$PORT/oauth/token" $((REQUESTS + 202)) "$work/assertions" 1)
  csecret=$work/assertions.0  # the driver reads assertions from this file
fi

drive() {  # COUNT SKIP: sends 1 + COUNT requests of SCENARIO on one keep-alive connection, checks
  # each answer; SKIP: assertions already used by an earlier call (each jti is single-use)
  python3 - "$PORT" "$SCENARIO" "$1" "$cid" "$csecret" "$2" <<'PY'
import base64, http.client, json, sys
port, scenario, count, cid, secret = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
skip = int(sys.argv[6])
conn = http.client.HTTPConnection("127.0.0.1", port)
basic = {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode(),
         "Content-Type": "application/x-www-form-urlencoded"}
form = {"Content-Type": "application/x-www-form-urlencoded"}
def call(path, body, headers=basic):
    conn.request("POST", path, body, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"{path}: {r.status} {data[:200]!r}")
    return json.loads(data)
assertions = iter(open(secret).read().split()[skip:]) if scenario == "private_key_jwt" else None
def pkjwt():
    return call("/oauth/token", "grant_type=client_credentials&client_id=" + cid +
                "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                "&client_assertion=" + next(assertions), form)
token = (pkjwt() if assertions else call("/oauth/token", "grant_type=client_credentials"))["access_token"]
for _ in range(count):
    if scenario == "private_key_jwt":
        pkjwt()
    elif scenario == "client_credentials":
        call("/oauth/token", "grant_type=client_credentials")
    elif scenario == "introspection":
        if not call("/oauth/introspect", "token=" + token)["active"]:
            sys.exit("introspection: inactive")
    else:
        sys.exit("SCENARIO is client_credentials, private_key_jwt or introspection")
PY
}
drive 200 0  # warm-up: connection pools, statement caches, the verified-token cache
callgrind_control -z "$pid" >/dev/null
drive "$REQUESTS" 201
callgrind_control -d "$pid" >/dev/null
sleep 1
dump=$(ls -t "$work"/cg.out* | grep -v '^cg.out$' | head -n 1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$SCENARIO on $DATABASE: $REQUESTS requests, $total instructions (all threads), $((total / REQUESTS)) per request"
callgrind_annotate --inclusive=no "$dump" 2>/dev/null | sed -n '/^-- .*file:function/,$p' | sed -n "2,$((TOP + 1))p" |
  awk -v n="$REQUESTS" '{ ir=$1; gsub(",", "", ir); $1=""; printf "%10d/req %s\n", ir / n, $0 }'
if [ -n "${KEEP:-}" ]; then cp "$dump" "$KEEP"; fi
