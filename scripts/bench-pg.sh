#!/usr/bin/env bash
# make bench-pg: lianxin bench against the services on PostgreSQL, as docker compose
# deploys them, on databases of its own made here and dropped at the end. It runs the
# system itself (lianxin run), so make run must not be running. Arguments go to the
# bench (BENCH_ARGS in make), e.g. -n 1000 --rate 20. REPLICAS=2 runs a second process
# of each service on the same databases and queues, and the bench shows each one.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PG=${LIANXIN_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
NAME=lianxin_bench_$$
WORK=$(mktemp -d)
REPLICAS=${REPLICAS:-1}
RUN_PID=
REPLICA_PIDS=()

databases() {   # create | drop
  "$PY" scripts/scratchdb.py "$PG" "$NAME" "$1" intake routing departments notify console
}

finish() {
  for pid in "${REPLICA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$RUN_PID" ]; then kill "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
  if databases drop; then echo "== dropped the bench's databases ${NAME}_*"
  else echo "could not drop the bench's databases ${NAME}_*" >&2; fi
  rm -rf "$WORK"
}

if ! databases create; then
  echo "make bench-pg: PostgreSQL does not answer at $PG (set LIANXIN_BENCH_PG)" >&2
  exit 1
fi
trap finish EXIT
for service in intake routing departments notify console; do
  export "${service^^}_DATABASE_URL=$PG/${NAME}_$service"
done
export ENVIRONMENT=development TEST_CLOCK_FILE="$WORK/clock" TIMER_INTERVAL=1
echo "== the system on PostgreSQL ($PG, databases ${NAME}_*); its log: $WORK/run.log"
"$PY" -m lianxin run > "$WORK/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 120); do
  if grep -q "Lianxin is running" "$WORK/run.log"; then break; fi
  if ! kill -0 "$RUN_PID" 2>/dev/null; then tail -20 "$WORK/run.log" >&2; exit 1; fi
  sleep 1
done
grep -q "Lianxin is running" "$WORK/run.log" || { tail -20 "$WORK/run.log" >&2; exit 1; }

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
REPLICA_ARGS=()
for number in $(seq 2 "$REPLICAS"); do
  for service in intake routing departments notify; do
    port=$(free_port)
    env "${service^^}_PORT=$port" "$PY" -m lianxin serve "$service" > "$WORK/$service#$number.log" 2>&1 &
    REPLICA_PIDS+=($!)
    REPLICA_ARGS+=(--replica "$service#$number=http://127.0.0.1:$port")
    for _ in $(seq 1 60); do
      if curl -sf "http://127.0.0.1:$port/health" > /dev/null; then break; fi
      sleep 1
    done
    curl -sf "http://127.0.0.1:$port/health" > /dev/null || {
      echo "$service#$number did not answer on port $port:" >&2; tail -20 "$WORK/$service#$number.log" >&2; exit 1; }
  done
done
[ "$REPLICAS" -gt 1 ] && echo "== $((REPLICAS - 1)) more process(es) of each service: ${REPLICA_ARGS[*]}"
"$PY" -m lianxin bench "${REPLICA_ARGS[@]}" "$@"
