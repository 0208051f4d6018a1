# `make run` serves the demo app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core (pytest-xdist), each worker on its own database, a test file
# at a time (its module-scoped data is built once), the biggest files first.
# Override, e.g. PYTEST_ARGS="-x tests/test_coi.py".
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run test install install-dev db demo lint bench clean

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
	@for f in bench/*.py; do [ -e "$$f" ] && $(BIN)/python "$$f"; done; true

clean:
	rm -rf $(VENV) instance/test.sqlite3 instance/test_gw*.sqlite3 .pytest_cache
