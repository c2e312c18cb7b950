# shellcheck shell=bash
# Sourced by examples/run-all.sh, postman/run.sh and scripts/test-examples.sh.
#
# ensure_server: when BASE_URL and ADMIN_API_KEY are both set, uses that server and starts nothing.
# Otherwise starts ./build/badgeserver (BADGESERVER_BINARY overrides) on a free loopback port with a
# scratch SQLite database, creates an admin API key with `badgeserver admin create-api-key`, and
# exports BASE_URL and ADMIN_API_KEY. The server is stopped when the calling shell exits.

examples_repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

free_loopback_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_scratch_server() {
  if [ -n "${SCRATCH_SERVER_PID:-}" ]; then
    kill "$SCRATCH_SERVER_PID" 2>/dev/null || true
    wait "$SCRATCH_SERVER_PID" 2>/dev/null || true
    SCRATCH_SERVER_PID=
  fi
  if [ -n "${SCRATCH_SERVER_DIR:-}" ]; then
    rm -rf "$SCRATCH_SERVER_DIR"
    SCRATCH_SERVER_DIR=
  fi
}

ensure_server() {
  if [ -n "${BASE_URL:-}" ] && [ -n "${ADMIN_API_KEY:-}" ]; then
    export BASE_URL ADMIN_API_KEY
    return 0
  fi
  local root binary port
  root=$(examples_repo_root)
  binary=${BADGESERVER_BINARY:-$root/build/badgeserver}
  if [ ! -x "$binary" ]; then
    echo "no server: set BASE_URL and ADMIN_API_KEY, or build $binary first" >&2
    return 1
  fi
  SCRATCH_SERVER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/badgeserver-examples.XXXXXX")
  trap stop_scratch_server EXIT
  local db="sqlite:$SCRATCH_SERVER_DIR/badgeserver.db"
  # The key-encryption key lives only in this process's environment, never in a file we keep.
  BADGESERVER_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32)
  export BADGESERVER_KEY_ENCRYPTION_KEY
  ADMIN_API_KEY=$("$binary" admin create-api-key --database "$db" --name examples --scopes admin | jq -er .api_key)
  port=$(free_loopback_port)
  BASE_URL="http://127.0.0.1:$port"
  # A short activation delay and refresh interval let the key-rotation examples see the new key sign.
  "$binary" serve --database "$db" --listen "127.0.0.1:$port" --log-level warn \
    --key-activation-delay 3 --key-refresh-interval 1 \
    >"$SCRATCH_SERVER_DIR/server.log" 2>&1 &
  SCRATCH_SERVER_PID=$!
  for _ in $(seq 1 200); do
    if curl -fsS "$BASE_URL/health" >/dev/null 2>&1; then
      export BASE_URL ADMIN_API_KEY
      echo "started $binary at $BASE_URL (pid $SCRATCH_SERVER_PID)"
      return 0
    fi
    if ! kill -0 "$SCRATCH_SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "the server did not come up:" >&2
  cat "$SCRATCH_SERVER_DIR/server.log" >&2
  return 1
}
