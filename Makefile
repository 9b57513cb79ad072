# The two commands a newcomer runs on a fresh machine:
#   make demo   install, migrate a SQLite file, seed the demo alliance, serve http://127.0.0.1:5000
#   make test   ruff, import contracts, then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///$(CURDIR)/instance/demo.db
LINT_PATHS := marketplace optimizer catalog stripe_emulator tests bench migrations

.PHONY: help demo test install lint migrate clean

help:
	@echo "make demo   - run the demo alliance on http://127.0.0.1:5000 (logins are printed)"
	@echo "make test   - lint and run every test"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard $(LINT_PATHS))
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/python -m pytest

migrate: $(STAMP)
	mkdir -p instance
	DATABASE_URL=$(DEMO_DB) SHAREDBUY_ENV=development $(BIN)/sharedbuy db upgrade

demo: $(STAMP)
	mkdir -p instance
	DATABASE_URL=$(DEMO_DB) SHAREDBUY_ENV=development $(BIN)/sharedbuy demo

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis build *.egg-info test-artifacts
