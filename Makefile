# Two entry points (see README): `make devnet` runs a local devnet (block producer + REST API + status page),
# `make test` runs every check CI runs. Both create and reuse a virtualenv in .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEVNET_HOME ?= $(HOME)/.gostaking/devnet
DEVNET_PORT ?= 8645

.PHONY: devnet test lint bench install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

devnet: $(VENV)/.installed
	$(VENV)/bin/gostaking devnet --home $(DEVNET_HOME) --port $(DEVNET_PORT)

lint: $(VENV)/.installed
	$(PY) -m ruff check gostaking tests benchmarks
	$(PY) -m ruff format --check gostaking tests benchmarks
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

test: lint
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_transfers.py
	$(PY) benchmarks/bench_holders.py
	$(PY) benchmarks/bench_merkle.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
