#!/usr/bin/env bash
# Benchmarks badgeserver and a peer (node-oidc-provider, ../shared/peers) in the same run, on
# loopback, with wrk: client_credentials issuance (client_secret_basic, ES256 JWT) and
# introspection against both; complete authorization-code flows and refresh rotation against
# badgeserver. Prints requests/s (flows/s, refreshes/s), p50, p99 and our/peer ratios.
#   bench/run.sh                      # 10 s per measurement, 64 connections
#   DURATION=30s CONNECTIONS=16 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PORT=${PORT:-18180}
PEER_PORT=${PEER_PORT:-18190}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v node >/dev/null || need+=(nodejs npm)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; fi
scripts/install-deps.sh >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target badgeserver >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

export BADGESERVER_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
db="sqlite:$work/bench.db"
admin=$(build/badgeserver admin create-api-key --database "$db" --name bench --scopes admin |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
build/badgeserver serve --database "$db" --listen "127.0.0.1:$PORT" --log-level "${LOG_LEVEL:-warn}" 2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

client=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/clients" \
  -d '{"client_name":"bench","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"}')
cid=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
csecret=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
token=$(curl -sf -u "$cid:$csecret" -d grant_type=client_credentials "http://127.0.0.1:$PORT/oauth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# A learner, a wallet (public client, PKCE) with a pre-authorized consent, and a session.
learner=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/users" \
  -d '{"email":"bench@example.org","password":"correct horse battery","name":"Bench"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
session=$(curl -sf -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/auth/login" \
  -d '{"email":"bench@example.org","password":"correct horse battery"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
redirect=https://wallet.example.org/cb
ob_read=https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly
wallet=$(curl -sf -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/oauth/register" -d "{\"client_name\":\"bench wallet\",\"redirect_uris\":[\"$redirect\"],\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"token_endpoint_auth_method\":\"none\",\"scope\":\"$ob_read offline_access\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/consents" \
  -d "{\"subject\":\"$learner\",\"client_id\":\"$wallet\",\"grant_scope\":[\"$ob_read\",\"offline_access\"]}" >/dev/null
verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
authorize="/oauth/authorize?response_type=code&client_id=$wallet&redirect_uri=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$redirect")&scope=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$ob_read offline_access")&code_challenge=$challenge&code_challenge_method=S256"
# Refresh chains: one per connection, each started by a complete flow.
for _ in $(seq "$CONNECTIONS"); do
  code=$(curl -sf -H 'Accept: application/json' -H "Authorization: Bearer $session" "http://127.0.0.1:$PORT$authorize" |
    python3 -c 'import json,sys,urllib.parse as u; print(u.parse_qs(u.urlparse(json.load(sys.stdin)["redirect_to"]).query)["code"][0])')
  curl -sf "http://127.0.0.1:$PORT/oauth/token" -d grant_type=authorization_code -d "client_id=$wallet" \
    -d "code=$code" --data-urlencode "redirect_uri=$redirect" -d "code_verifier=$verifier" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])' >>"$work/refresh_tokens"
done

# The peer, installed from npm into a scratch folder.
cp -r ../shared/peers/oidc-provider "$work/peer"
(cd "$work/peer" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
(cd "$work/peer" && exec node server.mjs "$PEER_PORT" jwt >"$work/peer.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PEER_PORT/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
peer_id=bench-client
peer_secret=bench-secret-0123456789abcdef0123456789abcdef
# node-oidc-provider introspects only the tokens it stores: a second instance issues opaque ones.
(cd "$work/peer" && exec node server.mjs "$((PEER_PORT + 1))" opaque >"$work/peer-opaque.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((PEER_PORT + 1))/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
peer_token=$(curl -sf -u "$peer_id:$peer_secret" -d grant_type=client_credentials -d scope=api:read \
  "http://127.0.0.1:$((PEER_PORT + 1))/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

measure() {  # name url script args...
  local name=$1 url=$2 script=$3
  shift 3
  local line
  line=$(cd bench && wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$script" "$url" -- "$@" | tail -n 1)
  echo "$name $line" | tee -a "$work/results"
}

echo "connections=$CONNECTIONS duration=$DURATION wrk_threads=$WRK_THREADS cores=$(nproc)"
measure ours_client_credentials "http://127.0.0.1:$PORT" client_credentials.lua /oauth/token "$cid" "$csecret"
measure peer_client_credentials "http://127.0.0.1:$PEER_PORT" client_credentials.lua /token "$peer_id" "$peer_secret"
measure ours_introspection "http://127.0.0.1:$PORT" introspect.lua /oauth/introspect "$cid" "$csecret" "$token"
measure peer_introspection "http://127.0.0.1:$((PEER_PORT + 1))" introspect.lua /token/introspection "$peer_id" "$peer_secret" "$peer_token"
measure ours_authorization_code_flow "http://127.0.0.1:$PORT" auth_code_flow.lua "$authorize" "$session" "$wallet" "$verifier" "$redirect"
measure ours_refresh "http://127.0.0.1:$PORT" refresh.lua "$work/refresh_tokens" "$wallet" "$WRK_THREADS"
[ -n "${KEEP_LOG:-}" ] && cp "$work/server.log" "$KEEP_LOG"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/${pids[0]}/status")

python3 - "$work/results" "$rss_kb" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    name, js = line.split(" ", 1)
    rows[name] = json.loads(js)
print(f"\n| endpoint | ours req/s | ours p50 ms | ours p99 ms | peer req/s | peer p99 ms | ours/peer |")
print("|---|---|---|---|---|---|---|")
for ep in ("client_credentials", "introspection"):
    o, p = rows[f"ours_{ep}"], rows[f"peer_{ep}"]
    bad = o["unexpected"] + o["socket_errors"] + p["unexpected"] + p["socket_errors"]
    ratio = o["rps"] / p["rps"] if p["rps"] else float("inf")
    print(f"| {ep} | {o['rps']:.0f} | {o['p50_ms']:.2f} | {o['p99_ms']:.2f} | {p['rps']:.0f} | {p['p99_ms']:.2f} | {ratio:.1f}x |"
          + (f" ({bad} unexpected answers or socket errors)" if bad else ""))
for ep in ("authorization_code_flow", "refresh"):
    o = rows[f"ours_{ep}"]
    bad = o["unexpected"] + o["socket_errors"]
    print(f"| {ep} (no peer run) | {o['rps']:.0f} | {o['p50_ms']:.2f} | {o['p99_ms']:.2f} | - | - | - |"
          + (f" ({bad} unexpected answers or socket errors)" if bad else ""))
print(f"\nbadgeserver peak RSS: {int(sys.argv[2]) / 1024:.1f} MiB")
PY
