#!/usr/bin/env bash
# make bench-submit: submission alone. Intake runs by itself (routing, departments and
# notify not running) on a scratch database, and lianxin bench-submissions measures it:
# submissions/s, their latency, intake's CPU per submission. The events the submissions
# published are taken out of the queues afterwards and the scratch database removed.
# BACKEND=postgresql puts the database on PostgreSQL (LIANXIN_BENCH_PG, as make
# bench-pg). make run must be stopped. Arguments go to the bench, e.g. -n 3000 -c 32.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PG=${LIANXIN_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
BACKEND=${BACKEND:-sqlite}
NAME=lianxin_submit_$$
WORK=$(mktemp -d)
PID=
export ENVIRONMENT=development TEST_CLOCK_FILE="$WORK/clock"
URL=$("$PY" -c 'from lianxin import config as c; print(c.base_url(c.load(), "intake"))')

finish() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ "$BACKEND" = postgresql ]; then "$PY" scripts/scratchdb.py "$PG" "$NAME" drop intake || true; fi
  rm -rf "$WORK"
}

if curl -sf "$URL/health" > /dev/null; then
  echo "make bench-submit: something already answers at $URL (make run?); stop it first" >&2
  exit 1
fi
case "$BACKEND" in
  sqlite) export INTAKE_DATABASE_URL="sqlite:///$WORK/intake.db" ;;
  postgresql)
    "$PY" scripts/scratchdb.py "$PG" "$NAME" create intake || {
      echo "make bench-submit: PostgreSQL does not answer at $PG (set LIANXIN_BENCH_PG)" >&2; exit 1; }
    export INTAKE_DATABASE_URL="$PG/${NAME}_intake" ;;
  *) echo "make bench-submit: BACKEND is sqlite or postgresql, not $BACKEND" >&2; exit 2 ;;
esac
trap finish EXIT
"$PY" -m lianxin declare > /dev/null
echo "== intake alone on $BACKEND ($INTAKE_DATABASE_URL); its log: $WORK/intake.log"
"$PY" -m lianxin serve intake > "$WORK/intake.log" 2>&1 &
PID=$!
for _ in $(seq 1 60); do
  if curl -sf "$URL/health" > /dev/null; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then tail -20 "$WORK/intake.log" >&2; exit 1; fi
  sleep 1
done
curl -sf "$URL/health" > /dev/null || { tail -20 "$WORK/intake.log" >&2; exit 1; }
"$PY" -m lianxin bench-submissions --purge-after "$@"
