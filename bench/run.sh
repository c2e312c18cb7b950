#!/usr/bin/env bash
# One command for the benchmarks of issue 7 (bench/README.md): builds Release, starts badgeserver on
# loopback on SQLite and then on PostgreSQL, drives it with wrk (bench/*.lua) and, in the same run,
# the peers (node-oidc-provider from npm; glewlwyd from Debian when it can be set up), and prints
# one table: requests/s, p50, p99 and peak RSS per scenario and connection count, our/peer ratios,
# start-up time and idle RSS.
#   bench/run.sh
#   DURATION=2s CONNECTIONS="1 16" SCENARIOS="client_credentials introspection" DATABASES=sqlite bench/run.sh
# Knobs (environment):
#   DURATION      per measurement (wrk syntax), default 10s
#   CONNECTIONS   connection counts, default "1 16 64"
#   SCENARIOS     default: client_credentials private_key_jwt introspection revocation ob_credentials
#                 auth_code_flow refresh
#   DATABASES     default "sqlite postgres"
#   PEERS         default "oidc-provider glewlwyd" (empty: none)
#   PG_ADMIN_URL  a PostgreSQL server where the runner may create the database badgeserver_bench
#                 (default postgresql://postgres:postgres@127.0.0.1:5432/postgres)
#   BUILD_DIR (build: the Release build directory), WRK_THREADS (2), PORT (18180), PEER_PORT (18190), ASSERTION_RATE (15000 assertions pre-signed
#   per second of DURATION), SQLITE_SYNCHRONOUS (FULL), LOG_LEVEL (warn)
#   SERVER_ARGS   extra `badgeserver serve` flags, e.g. "--workers 16"
#   PERF_RECORD   NAME-DATABASE-CONNS (e.g. ob_credentials-sqlite-64): perf record -g of the server during
#                 that one measurement, into PERF_OUT (default perf.data; read it with perf report);
#                 PERF_CALL_GRAPH=dwarf gives whole call chains (the build has no frame pointers)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-1 16 64}
SCENARIOS=${SCENARIOS:-client_credentials private_key_jwt introspection revocation ob_credentials auth_code_flow refresh}
DATABASES=${DATABASES:-sqlite postgres}
PEERS=${PEERS-oidc-provider glewlwyd}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
WRK_THREADS=${WRK_THREADS:-2}
PORT=${PORT:-18180}
PEER_PORT=${PEER_PORT:-18190}
ASSERTION_RATE=${ASSERTION_RATE:-15000}
SQLITE_SYNCHRONOUS=${SQLITE_SYNCHRONOUS:-FULL}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v node >/dev/null || need+=(nodejs npm)
command -v curl >/dev/null || need+=(curl)
command -v psql >/dev/null || need+=(postgresql-client)
if ((${#need[@]})); then apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; fi
scripts/install-deps.sh >/dev/null
build=${BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ] || ! grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt"; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target badgeserver >/dev/null
bin=$root/$build/badgeserver

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
results=$work/results
: >"$results"

seconds=$(python3 -c "import re,sys; m=re.fullmatch(r'(\d+)([smh]?)', sys.argv[1]); print(int(m[1])*{'':1,'s':1,'m':60,'h':3600}[m[2]])" "$DURATION")
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
urlencode() { python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
wait_http() {  # url [tries of 5 ms]
  for _ in $(seq "${2:-2000}"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.005; done
  return 1
}
has() { [[ " $1 " == *" $2 "* ]]; }
threads_for() { echo $(($1 < WRK_THREADS ? $1 : WRK_THREADS)); }

# measure NAME DB CONNS PID URL SCRIPT ARGS...: one wrk run; resets the process's peak RSS first
# (writing 5 to clear_refs), so VmHWM afterwards is this scenario's peak.
measure() {
  local name=$1 db=$2 conns=$3 pid=$4 url=$5 script=$6
  shift 6
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  local line perf_pid=
  if [ -n "${PERF_RECORD:-}" ] && [ "$PERF_RECORD" = "$name-$db-$conns" ]; then
    perf record -F 499 --call-graph "${PERF_CALL_GRAPH:-fp}" -p "$pid" -o "${PERF_OUT:-perf.data}" -- sleep "$seconds" 2>/dev/null &
    perf_pid=$!
  fi
  line=$(cd "$root/bench" && wrk -t"$(threads_for "$conns")" -c"$conns" -d"$DURATION" -s "$script" "$url" -- "$@" | tail -n 1)
  if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; fi
  local hwm
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  echo "$name $db $conns $hwm $line" | tee -a "$results" >&2
}

# ---------------------------------------------------------------------------------------------------
# Peers, started once and measured once per connection count.

peer_dir=$work/peer
cp -r "$root/../shared/peers/oidc-provider" "$peer_dir" 2>/dev/null || cp -r /work/shared/peers/oidc-provider "$peer_dir"
(cd "$peer_dir" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
cp "$root/bench/assertions.mjs" "$peer_dir/"

if has "$PEERS" oidc-provider; then
  (cd "$peer_dir" && exec node server.mjs "$PEER_PORT" jwt >"$work/peer.log" 2>&1) &
  peer_pid=$!
  pids+=($peer_pid)
  # node-oidc-provider introspects only the tokens it stores: a second instance issues opaque ones.
  (cd "$peer_dir" && exec node server.mjs "$((PEER_PORT + 1))" opaque >"$work/peer-opaque.log" 2>&1) &
  peer_opaque_pid=$!
  pids+=($peer_opaque_pid)
  wait_http "http://127.0.0.1:$PEER_PORT/.well-known/openid-configuration"
  wait_http "http://127.0.0.1:$((PEER_PORT + 1))/.well-known/openid-configuration"
  peer_id=bench-client
  peer_secret=bench-secret-0123456789abcdef0123456789abcdef
  peer_token=$(curl -sf -u "$peer_id:$peer_secret" -d grant_type=client_credentials -d scope=api:read \
    "http://127.0.0.1:$((PEER_PORT + 1))/token" | json_field access_token)
  for conns in $CONNECTIONS; do
    if has "$SCENARIOS" client_credentials; then
      measure client_credentials oidc-provider "$conns" "$peer_pid" "http://127.0.0.1:$PEER_PORT" client_credentials.lua /token "$peer_id" "$peer_secret"
    fi
    if has "$SCENARIOS" introspection; then
      measure introspection oidc-provider "$conns" "$peer_opaque_pid" "http://127.0.0.1:$((PEER_PORT + 1))" introspect.lua /token/introspection "$peer_id" "$peer_secret" "$peer_token"
    fi
  done
  kill "$peer_pid" "$peer_opaque_pid" 2>/dev/null || true
fi

if has "$PEERS" glewlwyd; then
  if glewlwyd_env=$(bench/glewlwyd.sh start "$work/glewlwyd" "$((PEER_PORT + 2))" 2>"$work/glewlwyd-setup.log"); then
    eval "$glewlwyd_env"  # GLEWLWYD_PID GLEWLWYD_URL GLEWLWYD_TOKEN_PATH GLEWLWYD_CLIENT_ID GLEWLWYD_CLIENT_SECRET
    pids+=("$GLEWLWYD_PID")
    for conns in $CONNECTIONS; do
      if has "$SCENARIOS" client_credentials; then
        measure client_credentials glewlwyd "$conns" "$GLEWLWYD_PID" "$GLEWLWYD_URL" client_credentials.lua "$GLEWLWYD_TOKEN_PATH" "$GLEWLWYD_CLIENT_ID" "$GLEWLWYD_CLIENT_SECRET" "&scope=$GLEWLWYD_SCOPE"
      fi
    done
    kill "$GLEWLWYD_PID" 2>/dev/null || true
  else
    echo "glewlwyd: skipped ($(tail -n 1 "$work/glewlwyd-setup.log"))" | tee -a "$work/notes" >&2
  fi
fi

# ---------------------------------------------------------------------------------------------------
# badgeserver, once per database.

export BADGESERVER_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
ob_read=https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly
redirect=https://wallet.example.org/cb

for dbkind in $DATABASES; do
  case $dbkind in
  sqlite) db="sqlite:$work/bench.db" ;;
  postgres)
    if ! psql "$PG_ADMIN_URL" -qAt -c 'SELECT 1' >/dev/null 2>&1; then
      echo "postgres: skipped (no server at PG_ADMIN_URL)" | tee -a "$work/notes" >&2
      continue
    fi
    psql "$PG_ADMIN_URL" -q -c 'DROP DATABASE IF EXISTS badgeserver_bench' -c 'CREATE DATABASE badgeserver_bench' >/dev/null
    db="${PG_ADMIN_URL%/*}/badgeserver_bench"
    ;;
  *) echo "unknown database $dbkind" >&2 && exit 2 ;;
  esac
  admin=$("$bin" admin create-api-key --database "$db" --name bench --scopes admin | json_field api_key)
  base="http://127.0.0.1:$PORT"
  # start_server: exec to the first /health 200, in ms (into $startup_ms); sets $pid.
  start_server() {
    local started
    started=$(date +%s%N)
    "$bin" serve --database "$db" --listen "127.0.0.1:$PORT" --sqlite-synchronous "$SQLITE_SYNCHRONOUS" \
      --log-level "${LOG_LEVEL:-warn}" ${SERVER_ARGS:-} 2>>"$work/server-$dbkind.log" &
    pid=$!
    pids+=($pid)
    wait_http "$base/health" || { cat "$work/server-$dbkind.log" >&2; exit 1; }
    startup_ms=$((($(date +%s%N) - started) / 1000000))
  }
  # The first start creates the signing keys (an RSA-2048 key among them); a restart is what a
  # deploy or a crash recovery costs. Median of five restarts.
  start_server
  first_start_ms=$startup_ms
  restarts=()
  for _ in 1 2 3 4 5; do
    kill "$pid" && wait "$pid" 2>/dev/null || true
    start_server
    restarts+=("$startup_ms")
  done
  restart_ms=$(printf '%s\n' "${restarts[@]}" | sort -n | sed -n 3p)
  sleep 1
  idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "startup $dbkind $first_start_ms $restart_ms $idle_kb" >>"$work/process"

  client=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$base/api/v1/clients" \
    -d "{\"client_name\":\"bench\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$ob_read\"}")
  cid=$(echo "$client" | json_field client_id)
  csecret=$(echo "$client" | json_field client_secret)
  token=$(curl -sf -u "$cid:$csecret" -d grant_type=client_credentials "$base/oauth/token" | json_field access_token)

  # private_key_jwt: an ES256 key pair made by the node script, its public half registered.
  jwks=$(cd "$peer_dir" && node assertions.mjs keygen "$work/assertion-key.json")
  pk_client=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$base/api/v1/clients" \
    -d "{\"client_name\":\"bench pkjwt\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"token_endpoint_auth_signing_alg\":\"ES256\",\"jwks\":$jwks,\"scope\":\"$ob_read\"}")
  pk_cid=$(echo "$pk_client" | json_field client_id)

  # A learner, a wallet (public client, PKCE) with a pre-authorized consent, and a session.
  learner=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$base/api/v1/users" \
    -d '{"email":"bench@example.org","password":"correct horse battery","name":"Bench"}' | json_field id)
  session=$(curl -sf -H 'Content-Type: application/json' "$base/auth/login" \
    -d '{"email":"bench@example.org","password":"correct horse battery"}' | json_field access_token)
  wallet=$(curl -sf -H 'Content-Type: application/json' "$base/oauth/register" -d "{\"client_name\":\"bench wallet\",\"redirect_uris\":[\"$redirect\"],\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"token_endpoint_auth_method\":\"none\",\"scope\":\"$ob_read offline_access\"}" |
    json_field client_id)
  curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$base/api/v1/consents" \
    -d "{\"subject\":\"$learner\",\"client_id\":\"$wallet\",\"grant_scope\":[\"$ob_read\",\"offline_access\"]}" >/dev/null
  verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
  authorize="/oauth/authorize?response_type=code&client_id=$wallet&redirect_uri=$(urlencode "$redirect")&scope=$(urlencode "$ob_read offline_access")&code_challenge=$challenge&code_challenge_method=S256"
  # n complete flows; prints "access_token refresh_token" per line.
  flows() {
    for _ in $(seq "$1"); do
      local code
      code=$(curl -sf -H 'Accept: application/json' -H "Authorization: Bearer $session" "$base$authorize" |
        python3 -c 'import json,sys,urllib.parse as u; print(u.parse_qs(u.urlparse(json.load(sys.stdin)["redirect_to"]).query)["code"][0])')
      curl -sf "$base/oauth/token" -d grant_type=authorization_code -d "client_id=$wallet" \
        -d "code=$code" --data-urlencode "redirect_uri=$redirect" -d "code_verifier=$verifier" |
        python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["access_token"], j["refresh_token"])'
    done
  }
  learner_token=$(flows 1 | cut -d' ' -f1)
  ob_status=$(curl -s -o /dev/null -w '%{http_code}' "$base/ims/ob/v3p0/discovery" || true)

  for conns in $CONNECTIONS; do
    for scenario in $SCENARIOS; do
      case $scenario in
      client_credentials) measure "$scenario" "$dbkind" "$conns" "$pid" "$base" client_credentials.lua /oauth/token "$cid" "$csecret" ;;
      private_key_jwt)
        (cd "$peer_dir" && node assertions.mjs sign "$work/assertion-key.json" "$pk_cid" "$base/oauth/token" \
          "$((ASSERTION_RATE * seconds))" "$work/assertions" "$(threads_for "$conns")")
        measure "$scenario" "$dbkind" "$conns" "$pid" "$base" private_key_jwt.lua /oauth/token "$pk_cid" "$work/assertions"
        ;;
      introspection) measure "$scenario" "$dbkind" "$conns" "$pid" "$base" introspect.lua /oauth/introspect "$cid" "$csecret" "$token" ;;
      revocation) measure "$scenario" "$dbkind" "$conns" "$pid" "$base" revoke.lua /oauth/token /oauth/revoke "$cid" "$csecret" ;;
      ob_credentials)
        if [ "$ob_status" = 200 ]; then
          measure "$scenario" "$dbkind" "$conns" "$pid" "$base" ob_credentials.lua "$learner_token"
        else
          echo "$scenario $dbkind $conns skipped" >>"$results"
        fi
        ;;
      auth_code_flow) measure "$scenario" "$dbkind" "$conns" "$pid" "$base" auth_code_flow.lua "$authorize" "$session" "$wallet" "$verifier" "$redirect" ;;
      refresh)
        # Fresh chains for every measurement: a refresh token replayed from an earlier run would
        # look like theft and revoke its family.
        flows "$conns" | cut -d' ' -f2 >"$work/refresh_tokens"
        measure "$scenario" "$dbkind" "$conns" "$pid" "$base" refresh.lua "$work/refresh_tokens" "$wallet" "$(threads_for "$conns")"
        ;;
      *) echo "unknown scenario $scenario" >&2 && exit 2 ;;
      esac
    done
  done
  if [ -n "${KEEP_LOG:-}" ]; then cp "$work/server-$dbkind.log" "$KEEP_LOG.$dbkind"; fi
  echo "peak $dbkind $(awk '/VmHWM/ {print $2}' "/proc/$pid/status")" >>"$work/process"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done

echo
echo "duration=$DURATION connections=\"$CONNECTIONS\" wrk_threads=$WRK_THREADS cores=$(nproc) sqlite_synchronous=$SQLITE_SYNCHRONOUS"
if [ -f "$work/notes" ]; then cat "$work/notes"; fi
python3 "$root/bench/table.py" "$results" "$work/process"
