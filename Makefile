# Two entry points for newcomers (see README): `make demo` and `make test`.
# Both create .venv and install the project with pinned versions first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_OUTPUT ?= out/sample

.PHONY: demo test lint install clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,dask,gcs]'
	touch $@

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/newsdedup run --input examples/sample --output $(DEMO_OUTPUT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
