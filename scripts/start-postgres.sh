#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster for the test suite and prints the test database URL.
set -euo pipefail

if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
pg_ctlcluster 15 main start >/dev/null 2>&1 || true
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p 5432
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='badgeserver_test'\"" | grep -q 1 ||
  su postgres -c "createdb badgeserver_test"
echo "postgresql://postgres:postgres@127.0.0.1:5432/badgeserver_test"
