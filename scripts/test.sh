#!/usr/bin/env bash
# The whole test suite: lint and types first (ruff, mypy; either failing fails the run),
# then the tests once on SQLite, then again with every service on PostgreSQL.
# The PostgreSQL leg is skipped (with a note) when no server answers, except under
# CI=true, where it is required.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PG=${LIANXIN_TEST_PG:-postgresql://postgres@127.0.0.1:5432}

echo "== lint and types"
"$PY" -m ruff check lianxin services tests
"$PY" -m mypy

"$PY" -m lianxin check || {
  echo "make test needs RabbitMQ: start it with 'rabbitmq-server -detached'" >&2; exit 1; }
bash scripts/browser.sh          # Chromium and a Chinese font for the console's browser tests

echo "== tests on SQLite"
"$PY" -m pytest -p no:cacheprovider "$@"

if "$PY" - "$PG" <<'PYEOF'
import sys
import psycopg2
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1] + "/postgres")
try:
    psycopg2.connect(user=url.username or "postgres", host=url.host, port=url.port or 5432,
                     dbname="postgres", password=url.password, connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL does not answer at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  echo "== tests on PostgreSQL ($PG)"
  LIANXIN_TEST_BACKEND=postgresql LIANXIN_TEST_PG="$PG" "$PY" -m pytest -p no:cacheprovider "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true: the PostgreSQL leg is required; start it with" \
       "'pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start'" >&2
  exit 1
else
  echo "== PostgreSQL leg skipped: no server answers at $PG (set LIANXIN_TEST_PG to point at one)"
fi
