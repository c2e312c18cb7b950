#!/usr/bin/env bash
# Runs every example against a badgeserver and fails if any fails.
#
# With BASE_URL and ADMIN_API_KEY set, runs against that server and starts nothing. Otherwise starts
# ./build/badgeserver (build it first; BADGESERVER_BINARY overrides) on a free loopback port with a
# scratch SQLite database and an admin API key made with `badgeserver admin create-api-key`.
#
# EXAMPLES_SKIP_NODE=1 leaves out the Node.js examples (they need `npm ci` in examples/node).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$here/lib/server.sh"
ensure_server

passed=0
failed=0
skipped=0
failures=()

run() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAILED: $name" >&2
  fi
}

skip() {
  echo "== $1"
  echo "SKIPPED: $2"
  skipped=$((skipped + 1))
}

# curl + jq
for script in "$here"/curl/[0-9]*.sh; do
  run "curl/$(basename "$script")" "$script"
done
run curl/open-badges.sh "$here/curl/open-badges.sh"

# Node.js: oauth4webapi + jose
if [ -n "${EXAMPLES_SKIP_NODE:-}" ]; then
  skip node "EXAMPLES_SKIP_NODE is set"
elif [ ! -d "$here/node/node_modules" ]; then
  run "node (npm ci)" bash -c "cd '$here/node' && npm ci --no-audit --no-fund --loglevel=error"
fi
if [ -z "${EXAMPLES_SKIP_NODE:-}" ] && [ -d "$here/node/node_modules" ]; then
  for script in "$here"/node/[0-9]*.mjs; do
    run "node/$(basename "$script")" node "$script"
  done
  run node/open-badges.mjs node "$here/node/open-badges.mjs"
fi

# Python: requests + authlib (Debian's python3-requests, python3-authlib)
# Debian's interpreter, where python3-requests and python3-authlib are installed (PYTHON overrides).
python=${PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}
for script in "$here"/python/[0-9]*.py; do
  run "python/$(basename "$script")" "$python" "$script"
done
run python/open_badges.py "$python" "$here/python/open_badges.py"

# C++: Boost.Beast, built by CMake into build/examples/cpp
cpp_dir=${EXAMPLES_CPP_DIR:-$root/build/examples/cpp}
if [ -x "$cpp_dir/client_credentials" ]; then
  run cpp/client_credentials "$cpp_dir/client_credentials"
else
  run cpp/client_credentials bash -c "echo 'not built: cmake --build build --target example_client_credentials' >&2; false"
fi

echo "examples: $passed passed, $failed failed, $skipped skipped"
if ((failed)); then
  printf 'failed: %s\n' "${failures[@]}" >&2
  exit 1
fi
