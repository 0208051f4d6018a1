# `make run` serves the demo app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# links in mail and documents point at the address `make run` serves
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
FLASK := PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask --app wsgi
# The suite runs on every core (pytest-xdist), each worker on its own database, a test file
# at a time (its module-scoped data is built once), the biggest files first.
# Override, e.g. PYTEST_ARGS="-x tests/test_coi.py".
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run test install install-dev db demo lint bench bench-data bench-pages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed-demo --quiet

run: demo
	@echo ""
	@echo "Ethics proceedings tracker: http://$(HOST):$(PORT)"
	@echo ""
	@$(FLASK) seed-demo | tail -n +3
	@echo ""
	@echo "Mail is printed here and kept in the outbox (Administration > Outbox)."
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev
	$(BIN)/python bench/render_documents.py
	$(BIN)/python bench/enumeration.py

# The benchmark at scale (README "Benchmarks"): PostgreSQL on 127.0.0.1, Debian's wrk.
BENCH_CASES ?= 10000
BENCH_AUDIT ?= 100000
BENCH_DB ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k
BENCH_ARGS ?=

bench-data: install-dev
	$(BIN)/python bench/generate.py --database-url $(BENCH_DB) --cases $(BENCH_CASES) --audit $(BENCH_AUDIT)

bench-pages: install-dev
	$(BIN)/python bench/pages.py --database-url $(BENCH_DB) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/test.sqlite3 instance/test_gw*.sqlite3 .pytest_cache
