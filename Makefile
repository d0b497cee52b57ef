# The one list of commands people (and CI) run. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INFRA := deploy/local/infra.sh

.PHONY: help install lock run stop status test lint typecheck unit integration e2e infra-up infra-down schemas asyncapi graphql clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Every dependency, transitive ones included, comes pinned with its hashes from the lock;
# `make lock` re-resolves it after pyproject.toml changes (docs/operations.md).
UV_VERSION := 0.13.9
LOCK_FLAGS := --generate-hashes --universal --python-version 3.11 --quiet

$(BIN)/.installed: pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed ## create .venv and install the project with its dev tools

lock: ## re-resolve every dependency into requirements/*.lock (pinned, hashed)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements/dev.lock
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements/runtime.lock

run: install ## start Kafka, Postgres and the four services with a demo organisation
	BIN=$(BIN) deploy/local/run.sh start

stop: ## stop the services, Kafka and Postgres started by `make run`
	BIN=$(BIN) deploy/local/run.sh stop

status: ## show what `make run` has running
	BIN=$(BIN) deploy/local/run.sh status

test: install ## everything: lint, types, unit, integration, end-to-end (real Kafka and Postgres)
	BIN=$(BIN) deploy/local/test.sh

lint: install ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict
	$(BIN)/mypy libs services tests bench deploy/local/seed_demo.py deploy/local/demo deploy/local/asyncapi_docs.py deploy/local/graphql_sdl.py deploy/local/dev_jwt.py

unit: install ## fast tests, no infrastructure
	deploy/local/kustomize.sh >/dev/null  # tests/unit/test_kubernetes_manifests.py renders with it
	$(BIN)/pytest tests/unit -q

schemas: install ## regenerate the checked-in JSON Schemas of the event contracts
	$(BIN)/python -m bridgework.common.schemas write

graphql: install ## regenerate the checked-in GraphQL SDL of the gateway (docs/graphql/)
	$(BIN)/python deploy/local/graphql_sdl.py write

asyncapi: install ## regenerate the checked-in AsyncAPI documents of the services (docs/asyncapi/)
	$(BIN)/python deploy/local/asyncapi_docs.py write

clean: stop ## stop everything and remove local state (keeps the Kafka jar cache)
	rm -rf .local $(VENV)
