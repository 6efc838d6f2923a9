#!/usr/bin/env bash
# Start the real PostgreSQL 15 and Redis the tests use (idempotent); prints the URLs to export.
# Used by .ci/run and by developers: `eval "$(bash .ci/services.sh)"`.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PGPORT="${PGPORT:-55432}"
REDIS_PORT="${REDIS_PORT:-6379}"
PGDATA="${PGDATA:-/tmp/pkarena-pg}"

if ! command -v redis-server >/dev/null || [ ! -x "$PGBIN/initdb" ] || ! command -v chromium >/dev/null; then
  echo "installing redis-server, postgresql-15, chromium, fonts-noto-cjk with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql-15 chromium fonts-noto-cjk >&2
fi

if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if ! su postgres -c "$PGBIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"; chown postgres:postgres "$PGDATA"
    su postgres -c "$PGBIN/initdb -A trust -U postgres -D $PGDATA" >/dev/null
  fi
  su postgres -c "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -o '-p $PGPORT -k /tmp -c fsync=off -c max_connections=200' -w start" >&2
fi
psql -h /tmp -p "$PGPORT" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='pkarena_test'" | grep -q 1 \
  || psql -h /tmp -p "$PGPORT" -U postgres -c "CREATE DATABASE pkarena_test" >&2

echo "export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/pkarena_test"
echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/15"
