#!/usr/bin/env bash
# Runs every client example (examples/run-all.sh) and the Postman collection (postman/run.sh with
# newman) against one Release server started here on loopback with a scratch SQLite database.
# Expects a Release build in ./build (scripts/test.sh makes it). The npm parts (the Node.js
# examples and newman) are left out when BADGESERVER_SKIP_NODE_TESTS is set.
set -euo pipefail
cd "$(dirname "$0")/.."

# Start our own server even when the caller's environment names one.
unset BASE_URL ADMIN_API_KEY
source examples/lib/server.sh
ensure_server

if [ -n "${BADGESERVER_SKIP_NODE_TESTS:-}" ]; then
  echo "== skipping the Node.js examples and newman (BADGESERVER_SKIP_NODE_TESTS is set)"
  EXAMPLES_SKIP_NODE=1 examples/run-all.sh
else
  (cd examples/node && npm ci --no-audit --no-fund --loglevel=error)
  (cd postman && npm ci --no-audit --no-fund --loglevel=error)
  examples/run-all.sh
  echo "== Postman collection (newman)"
  postman/run.sh
fi
