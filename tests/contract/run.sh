#!/usr/bin/env bash
# The OpenAPI contract check (CTest: contract_openapi). Lints docs/api/openapi.yaml, runs the SQLite
# integration suite with its HTTP exchanges recorded, then the checks of this package: routes both
# ways against the real binary, every recorded response against the documented schemas, and the
# docs/errors.md and docs/configuration.md checks. Needs `npm ci` here first (scripts/test.sh does it).
#   BADGESERVER_BINARY            the badgeserver executable
#   BADGESERVER_INTEGRATION_TESTS the integration_tests executable
#   BADGESERVER_CONTRACT_RECORDS  optional: a directory the SQLite integration suite has already
#                                 recorded into (CTest's integration_sqlite runs do, so the suite is
#                                 not run a second time); without it the suite runs here, recording
set -euo pipefail
cd "$(dirname "$0")"
: "${BADGESERVER_BINARY:?set BADGESERVER_BINARY to the badgeserver executable}"
export BADGESERVER_BINARY
# @redocly/cli 2 needs Node.js 20.19+ or 22.12+ (Debian 12's own nodejs is 18: use a newer one).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "tests/contract needs Node.js >= 20.19 (or >= 22.12); found $(node --version)" >&2
  exit 1
fi
# Redocly would otherwise phone home; the checks need nothing but the local files and the server.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

echo "== redocly lint docs/api/openapi.yaml"
npm run --silent lint

if [ -n "${BADGESERVER_CONTRACT_RECORDS:-}" ]; then
  records=$BADGESERVER_CONTRACT_RECORDS
  echo "== the exchanges the SQLite integration suite recorded into $records"
else
  : "${BADGESERVER_INTEGRATION_TESTS:?set BADGESERVER_INTEGRATION_TESTS to the integration_tests executable}"
  records=$(mktemp -d "${TMPDIR:-/tmp}/bs-contract-records.XXXXXX")
  trap 'rm -rf "$records"' EXIT
  echo "== integration tests (sqlite), recording into $records"
  BADGESERVER_TEST_DATABASE=sqlite BADGESERVER_TEST_RECORD_DIR="$records" "$BADGESERVER_INTEGRATION_TESTS" \
    --gtest_brief=1
fi

echo "== contract checks"
BADGESERVER_CONTRACT_RECORDS="$records" node --test
