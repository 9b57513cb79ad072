# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///$(CURDIR)/instance/demo.db

.PHONY: demo test install lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check marketplace optimizer catalog tests bench
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/python -m pytest

demo: $(STAMP)
	mkdir -p instance
	DATABASE_URL=$(DEMO_DB) FLASK_ENV=development $(BIN)/sharedbuy demo

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis build *.egg-info
