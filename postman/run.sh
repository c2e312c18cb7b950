#!/usr/bin/env bash
# Runs the Postman collection with newman against BASE_URL/ADMIN_API_KEY, or, when they are not both
# set, against ./build/badgeserver started on a free loopback port with a scratch SQLite database
# (as examples/run-all.sh does). Needs `npm ci` here first (done when node_modules is missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../examples/lib/server.sh"
ensure_server
if [ ! -x "$here/node_modules/.bin/newman" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
"$here/node_modules/.bin/newman" run "$here/badgeserver.postman_collection.json" \
  --environment "$here/badgeserver.postman_environment.json" \
  --env-var "baseUrl=${BASE_URL%/}" --env-var "adminApiKey=$ADMIN_API_KEY" \
  --bail --color off --reporters cli
