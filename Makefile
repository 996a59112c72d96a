# Lianxin: `make run` runs the system; `make test` installs everything and passes the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint faults faults-quorum demo report bench bench-pg bench-submit check clean

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# make run and make demo share a clock that the demo moves forward (docs/configuration.md)
DEVELOPMENT := ENVIRONMENT=development TEST_CLOCK_FILE=var/clock TIMER_INTERVAL=1 \
	GRID_WEBHOOK_URL=http://127.0.0.1:8009/webhook

run: $(INSTALLED)  ## the four services and the web console on SQLite under var/, RabbitMQ at AMQP_URI
	$(DEVELOPMENT) $(PY) -m lianxin run --sample-users

test: $(INSTALLED)  ## lint and types, then unit, integration and end-to-end tests; again on PostgreSQL
	PY=$(PY) bash scripts/test.sh

lint: $(INSTALLED)  ## ruff (lint and import order), then mypy (types)
	$(PY) -m ruff check lianxin services tests
	$(PY) -m mypy

faults: $(INSTALLED)  ## the fault suite alone (kills, cuts, outages), SQLite then PostgreSQL
	PY=$(PY) bash scripts/test.sh -m faults tests/faults tests/e2e

faults-quorum: $(INSTALLED)  ## the fault suite on SQLite with quorum queues (QUEUE_TYPE=quorum)
	QUEUE_TYPE=quorum $(PY) -m pytest -p no:cacheprovider -m faults tests/faults tests/e2e

demo: $(INSTALLED)  ## with the system running: a month of issues, then the ledger
	$(DEVELOPMENT) $(PY) -m lianxin demo

report: $(INSTALLED)  ## with the system running: the circular of MONTH (YYYY-MM) under var/reports
	$(PY) -m lianxin report --month $(MONTH)

bench: $(INSTALLED)  ## with the system running: end-to-end issues/s and latency
	$(DEVELOPMENT) $(PY) -m lianxin bench $(BENCH_ARGS)

bench-pg: $(INSTALLED)  ## the bench on PostgreSQL, on databases it makes and drops (make run stopped); REPLICAS=2 for two of each service
	PY=$(PY) REPLICAS=$(or $(REPLICAS),1) bash scripts/bench-pg.sh $(BENCH_ARGS)

bench-submit: $(INSTALLED)  ## submissions/s with intake alone, on a scratch database (make run stopped); BACKEND=postgresql
	PY=$(PY) BACKEND=$(or $(BACKEND),sqlite) bash scripts/bench-submit.sh $(BENCH_ARGS)

check: $(INSTALLED)  ## does RabbitMQ answer?
	$(PY) -m lianxin check

clean:
	rm -rf $(VENV) var .pytest_cache
