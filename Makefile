# Two entry points (see README): `make devnet` runs a local devnet (block producer + REST API + explorer),
# `make test` runs every check CI runs. Both create and reuse a virtualenv in .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEVNET_HOME ?= $(HOME)/.gostaking/devnet
DEVNET_PORT ?= 8645
# The pinned CometBFT release, read from its one definition (gostaking/node/abci/version.py).
COMETBFT_VERSION := $(shell sed -n 's/^COMETBFT_VERSION = "\(.*\)"/\1/p' gostaking/node/abci/version.py)
# The btcd release the Bitcoin gateway is tested against (regtest node of tests/bridge), from its one definition.
BTCD_VERSION := $(shell sed -n 's/^BTCD_VERSION = "\(.*\)"/\1/p' gostaking/bridge/btc_rpc.py)
PROTO_STAMP := gostaking/node/abci/_proto/VERSION

.PHONY: devnet test test-tools sim-nightly fuzz-nightly lint bench bench-localnet install clean cometbft proto btcd contracts events-js app monitor

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# setuptools' note on every editable install (a folder named like the package may shadow it) is noise here:
	# the checkout is that folder, on purpose.
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

devnet: $(VENV)/.installed
	$(VENV)/bin/gostaking devnet --home $(DEVNET_HOME) --port $(DEVNET_PORT)

lint: $(VENV)/.installed
	$(PY) -m ruff check gostaking tests benchmarks
	$(PY) -m ruff format --check gostaking tests benchmarks
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

# Installs what the tests need (scripts/test-tools: Debian packages as root, or it names the command to run; then
# CometBFT and btcd by go install, solc and anvil by npm), and fails any test that would skip for want of a tool.
# --durations: CI's log lists the 25 slowest test phases (the run must stay well under CI's time limit).
# TEST_WORKERS pytest processes (pytest-xdist) share the tests, each taking the next when it is free: the slowest
# tests mostly wait on real processes (CometBFT, Prometheus, chromium), so two share two cores well (on the 2-core
# CI machine: 13.8 min, against 21-23 min in one process). TEST_WORKERS=0 runs them in this process, one by one.
TEST_WORKERS ?= 2
test: test-tools lint cometbft btcd contracts
	GOSTAKING_FORBID_SKIPS=1 $(PY) -m pytest --durations=25 -n $(TEST_WORKERS) --dist worksteal

test-tools:
	scripts/test-tools

# Nightly sizes of the chain's randomized tests (CI runs 10,000 simulated blocks and 100 fuzz examples each).
sim-nightly: $(VENV)/.installed
	GOSTAKING_SIM_BLOCKS=100000 $(PY) -m pytest tests/chain/test_simulation.py

fuzz-nightly: $(VENV)/.installed
	GOSTAKING_FUZZ_EXAMPLES=5000 $(PY) -m pytest tests/chain/test_fuzz.py

# The explorer's event list (gostaking/explorer/static/js/events.js) is generated from the chain's event registry and
# checked in (the explorer has no build step); run this after adding, renaming or documenting an event. A test
# fails while it is stale.
events-js: $(VENV)/.installed
	$(PY) -m gostaking.explorer.events_js

# The browser app's bundle (gostaking/app/static/app.js): its ES module sources (gostaking/app/src) and the npm
# packages they import (@noble/secp256k1, @noble/hashes, @scure/*), bundled by esbuild as package.json's build:app
# script says. Checked in, so a node serves the app without Node.js; tests/app fails while it is stale.
app: node_modules/.package-lock.json
	npm run --silent build:app

# CometBFT (multi-node networks): the pinned release built with deploy/cometbft/*.patch (scripts/build-cometbft,
# where `go install` would put it), then the ABCI protobuf stubs generated from that module's .proto files into
# gostaking/node/abci/_proto (git-ignored).
cometbft: $(VENV)/.installed
	scripts/build-cometbft $(COMETBFT_VERSION)
	@$(MAKE) --no-print-directory proto

proto: $(PROTO_STAMP)

$(PROTO_STAMP): $(VENV)/.installed gostaking/node/abci/version.py gostaking/node/abci/protogen.py
	$(PY) -m gostaking.node.abci.protogen

# btcd (the Bitcoin regtest node of the custody gateway's tests): `go install` of the pinned release into
# $(go env GOPATH)/bin, where the tests look for it.
btcd:
	go install github.com/btcsuite/btcd@$(BTCD_VERSION)

# Lock contracts (contracts/*.sol): compiled by the solc-js version pinned in package-lock.json (its wasm
# compiler ships in the npm package) into contracts/build (git-ignored). The tests also compile when it is stale.
contracts: contracts/build/manifest.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

contracts/build/manifest.json: node_modules/.package-lock.json contracts/compile.js $(wildcard contracts/*.sol contracts/test/*.sol)
	node contracts/compile.js

# Prometheus (Debian's `prometheus` package) scraping the running localnet (`gostaking localnet`): every node's app
# /metrics and its CometBFT's, with the alert rules of deploy/monitoring (docs/monitoring.md). Its configuration is
# written from the localnet's own ports; the UI and HTTP API are on http://127.0.0.1:$(MONITOR_PORT).
LOCALNET_HOME ?= $(or $(GOSTAKING_HOME),$(HOME)/.gostaking)/localnet
MONITOR_HOME ?= $(or $(GOSTAKING_HOME),$(HOME)/.gostaking)/prometheus
MONITOR_PORT ?= 9090

monitor: $(VENV)/.installed
	@command -v prometheus >/dev/null 2>&1 || { echo "make monitor needs Prometheus: sudo apt-get install -y prometheus" >&2; exit 1; }
	$(PY) -m gostaking.monitor.prometheus --localnet $(LOCALNET_HOME) --out $(MONITOR_HOME)/prometheus.yml
	prometheus --config.file=$(MONITOR_HOME)/prometheus.yml --storage.tsdb.path=$(MONITOR_HOME)/data \
		--web.listen-address=127.0.0.1:$(MONITOR_PORT)

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_transfers.py
	$(PY) benchmarks/bench_holders.py
	$(PY) benchmarks/bench_merkle.py
	$(PY) benchmarks/bench_mempool.py
	$(PY) benchmarks/bench_explorer_api.py

bench-localnet: cometbft
	$(PY) benchmarks/bench_localnet.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis gostaking/node/abci/_proto contracts/build
