# Guanxi CRM — `make demo` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/guanxi
PYTEST_WORKERS ?= 2

.PHONY: demo test test-sqlite test-postgres test-e2e bench lint messages assets install clean

$(BIN)/guanxi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/guanxi

install: $(BIN)/guanxi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

assets: node_modules/.package-lock.json install
	$(BIN)/python scripts/copy_assets.py

demo: install assets
	$(BIN)/guanxi migrate --noinput
	$(BIN)/guanxi demo-data --if-empty
	@echo ""
	@echo "  Guanxi demo: http://$(HOST):$(PORT)/"
	@echo "  Logins (password guanxi-demo): admin, director, manager1, rep1, rep2, rep3, agent1, marketer1"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/guanxi serve

# The whole suite on SQLite; on PostgreSQL too when DATABASE_URL is a postgres URL or CI=true.
test: install assets
	bash scripts/ensure_chromium.sh
	$(MAKE) --no-print-directory test-sqlite
	@if [ "$(CI)" = "true" ] || echo "$(DATABASE_URL)" | grep -q '^postgres'; then \
		$(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL GUANXI_VAR_DIR=$(CURDIR)/var/test $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres:
	env -u REDIS_URL GUANXI_VAR_DIR=$(CURDIR)/var/test DATABASE_URL=$${DATABASE_URL:-$(PG_TEST_URL)} \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -q -m "not e2e"

test-e2e:
	env -u DATABASE_URL -u REDIS_URL GUANXI_VAR_DIR=$(CURDIR)/var/test $(BIN)/pytest -q -m e2e

bench: install assets
	$(BIN)/python bench/run.py

# ruff, then the layers (import-linter contracts in pyproject.toml), then the types (mypy, django-stubs).
lint: install
	$(BIN)/ruff check guanxi tests bench scripts conftest.py
	$(BIN)/ruff format --check guanxi tests bench scripts conftest.py
	$(BIN)/lint-imports
	$(BIN)/mypy

messages: install
	cd guanxi && ../$(BIN)/guanxi makemessages -l zh_Hans -l zh_Hant --no-obsolete --ignore "static/*"
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules guanxi/web/static/vendor var/test
