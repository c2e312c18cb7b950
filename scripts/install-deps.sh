#!/usr/bin/env bash
# Installs everything badgeserver needs to build, test and run, from Debian 12 packages only.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev libpq-dev libargon2-dev
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libgtest-dev libjemalloc-dev
  postgresql clang-format
  jq python3 python3-requests python3-authlib xxd openssl
  clang-19 libclang-rt-19-dev  # libFuzzer + ASan/UBSan runtimes for scripts/fuzz.sh (see fuzz/README.md)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
