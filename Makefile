# The two commands a new user needs:
#   make demo   installs the catalog into .venv and serves the demo organisation (embedded store, no server)
#   make test   installs the dev tools and runs ruff, mypy and the whole test suite against a real Neo4j
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/catalog demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy catalog importers bench

test: lint
	$(BIN)/python -m pytest

schema: $(VENV)/.installed
	$(BIN)/python -m catalog.api.export_schema
	$(BIN)/python -m catalog.model_doc > docs/graph-model.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
