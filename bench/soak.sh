#!/usr/bin/env bash
# Soak benchmark (issue 7, bounded growth): issues tokens without pause (client_credentials, and
# issue-then-revoke pairs so the revocation table fills too) with the shortest token lifetime, a
# short janitor interval and a row per client_credentials token (record_client_credentials_tokens:
# by default those tokens get none, so the tables would not fill at the issuance rate). Samples
# every SAMPLE_INTERVAL seconds the token tables' row counts, the database size (SQLite: main file
# + WAL), the audit trail's share of it and the server's RSS, prints the series, and fails unless
# growth is bounded:
#   - rows ≤ tokens alive + one janitor batch: the rows whose token expired more than one janitor
#     interval (+1 s of slack) ago are at most one batch (1,000) in every table, at every sample;
#   - the database holds what is alive: its size without the audit trail (the history, one event
#     per revocation, kept on purpose and reported on its own) never exceeds the largest live set
#     seen so far times the first sample's bytes per live row, plus SIZE_TOLERANCE percent (and
#     1 MiB);
#   - RSS stays flat: no later sample exceeds the first one by more than RSS_TOLERANCE percent
#     (and 1 MiB).
#   bench/soak.sh                     # 10 minutes on SQLite
#   DURATION=120 bench/soak.sh        # seconds
#   DATABASE=postgres bench/soak.sh   # on PG_ADMIN_URL's server, database badgeserver_soak
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-600}
SAMPLE_INTERVAL=${SAMPLE_INTERVAL:-30}
DATABASE=${DATABASE:-sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
TOKEN_TTL=${TOKEN_TTL:-10}  # the shortest access_token_ttl the server accepts
JANITOR_INTERVAL=${JANITOR_INTERVAL:-2}
CONNECTIONS=${CONNECTIONS:-16}
RSS_TOLERANCE=${RSS_TOLERANCE:-20}
SIZE_TOLERANCE=${SIZE_TOLERANCE:-25}
PORT=${PORT:-18280}
BATCH=1000  # store::kJanitorBatch

command -v wrk >/dev/null || { apt-get update && apt-get install -y --no-install-recommends wrk; }
build=${BUILD_DIR:-build}  # a Release build directory
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
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

export BADGESERVER_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
case $DATABASE in
sqlite)
  db="sqlite:$work/soak.db"
  sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True); print(c.execute(sys.argv[2]).fetchone()[0])' "$work/soak.db" "$1"; }
  db_bytes() { echo $(($(stat -c %s "$work/soak.db") + $(stat -c %s "$work/soak.db-wal" 2>/dev/null || echo 0))); }
  audit_bytes() { sql "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'audit_events%'"; }
  ;;
postgres)
  psql "$PG_ADMIN_URL" -q -c 'DROP DATABASE IF EXISTS badgeserver_soak' -c 'CREATE DATABASE badgeserver_soak' >/dev/null
  db="${PG_ADMIN_URL%/*}/badgeserver_soak"
  sql() { psql "$db" -qAt -c "$1"; }
  db_bytes() { sql "SELECT pg_database_size(current_database())"; }
  audit_bytes() { sql "SELECT pg_total_relation_size('audit_events')"; }
  ;;
*) echo "DATABASE is sqlite or postgres" >&2 && exit 2 ;;
esac

admin=$("$bin" admin create-api-key --database "$db" --name soak --scopes admin | json_field api_key)
"$bin" serve --database "$db" --listen "127.0.0.1:$PORT" --access-token-ttl "$TOKEN_TTL" \
  --janitor-interval "$JANITOR_INTERVAL" --record-client-credentials-tokens true --log-level warn \
  2>"$work/server.log" &
pid=$!
pids+=($pid)
for _ in $(seq 400); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.025; done
client=$(curl -sf -H "X-API-Key: $admin" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/clients" \
  -d '{"client_name":"soak","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"}')
cid=$(echo "$client" | json_field client_id)
csecret=$(echo "$client" | json_field client_secret)

# Three quarters of the connections issue, a quarter issue and revoke.
issuers=$((CONNECTIONS * 3 / 4))
revokers=$((CONNECTIONS - issuers))
(cd bench && wrk -t1 -c"$issuers" -d"${DURATION}s" -s client_credentials.lua "http://127.0.0.1:$PORT" -- /oauth/token "$cid" "$csecret" >"$work/wrk-issue.txt") &
pids+=($!)
(cd bench && wrk -t1 -c"$revokers" -d"${DURATION}s" -s revoke.lua "http://127.0.0.1:$PORT" -- /oauth/token /oauth/revoke "$cid" "$csecret" >"$work/wrk-revoke.txt") &
pids+=($!)

echo "soak: $DURATION s on $DATABASE, access_token_ttl=$TOKEN_TTL s, janitor_interval=$JANITOR_INTERVAL s, batch=$BATCH, $CONNECTIONS connections"
printf '%8s %12s %12s %12s %12s %12s %10s %10s\n' elapsed_s tokens stale_tok revocations stale_rev db_MiB rss_MiB \
  audit_MiB
: >"$work/series"
start=$(date +%s)
elapsed=0
while ((elapsed + SAMPLE_INTERVAL <= DURATION)); do
  sleep $((start + elapsed + SAMPLE_INTERVAL - $(date +%s)))
  elapsed=$(($(date +%s) - start))
  # "Stale": expired more than one janitor interval (+1 s) ago, so a janitor round should have taken it.
  cutoff=$(($(date +%s) - JANITOR_INTERVAL - 1))
  tokens=$(sql "SELECT COUNT(*) FROM oauth_tokens")
  stale_tokens=$(sql "SELECT COUNT(*) FROM oauth_tokens WHERE expires_at < $cutoff")
  revocations=$(sql "SELECT COUNT(*) FROM oauth_revocations")
  stale_revocations=$(sql "SELECT COUNT(*) FROM oauth_revocations WHERE expires_at < $cutoff")
  bytes=$(db_bytes)
  audit=$(audit_bytes)
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "$elapsed $tokens $stale_tokens $revocations $stale_revocations $bytes $rss_kb $audit" >>"$work/series"
  printf '%8d %12d %12d %12d %12d %12.1f %10.1f %10.1f\n' "$elapsed" "$tokens" "$stale_tokens" "$revocations" \
    "$stale_revocations" "$(echo "$bytes / 1048576" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)" \
    "$(echo "$audit / 1048576" | bc -l)"
done
wait "${pids[1]}" "${pids[2]}" 2>/dev/null || true
echo
echo "load: issuing $(tail -n 1 "$work/wrk-issue.txt"); issue+revoke $(tail -n 1 "$work/wrk-revoke.txt")"
grep -q '"level":"error"' "$work/server.log" && { echo "server logged errors:"; grep '"level":"error"' "$work/server.log" | head; }

python3 - "$work/series" "$BATCH" "$RSS_TOLERANCE" "$SIZE_TOLERANCE" <<'PY'
import sys
series = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
batch, rss_tol, size_tol = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
failures = []
if len(series) < 2:
    failures.append("fewer than two samples: raise DURATION or lower SAMPLE_INTERVAL")
for t, tokens, stale_t, revs, stale_r, size, rss, audit in series:
    if stale_t > batch:
        failures.append(f"t={t}s: {stale_t} expired token rows left behind (> one batch of {batch})")
    if stale_r > batch:
        failures.append(f"t={t}s: {stale_r} expired revocation rows left behind (> one batch of {batch})")
if len(series) >= 2:
    base_rss = series[0][6]
    # The file must hold what is alive, not what was ever issued: it may grow with the live set (the
    # issuing rate is not constant on a shared machine), never past the largest live set seen so far
    # at the first sample's bytes per live row. Freed pages are reused, so it need not shrink. The
    # audit trail is not the janitor's: it is the history (docs/operations.md), one event per
    # revocation here, kept on purpose, so its pages are left out and reported on their own.
    base_size = series[0][5] - series[0][7]
    bytes_per_row = base_size / max(series[0][1] + series[0][3], 1)
    peak_rows = 0
    for t, tokens, _, revs, _, size, rss, audit in series:
        size -= audit
        peak_rows = max(peak_rows, tokens + revs)
        bound = peak_rows * bytes_per_row * (1 + size_tol / 100) + (1 << 20)
        if size > bound:
            failures.append(f"t={t}s: database without the audit trail {size / 2**20:.1f} MiB is more than {size_tol}% over what "
                            f"the largest live set so far ({peak_rows} rows) needs ({bound / 2**20:.1f} MiB)")
    for t, *_, size, rss, audit in series[1:]:
        if rss > base_rss * (1 + rss_tol / 100) + 1024:
            failures.append(f"t={t}s: RSS {rss / 1024:.1f} MiB grew beyond {rss_tol}% of {base_rss / 1024:.1f} MiB")
if failures:
    print("NOT BOUNDED:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print(f"bounded: stale rows <= {batch} at every sample; database size without the audit trail within {size_tol}% of what the largest "
      f"live set needs ({bytes_per_row:.0f} bytes per live row at the first sample); RSS within {rss_tol}% of "
      f"the first sample")
PY
