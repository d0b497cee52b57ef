#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it: lint, types, unit tests, then
# integration and end-to-end tests against a real Kafka broker and PostgreSQL server.
# Exits non-zero on the first failing stage.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${BIN:-.venv/bin}

stage() { printf '\n== %s\n' "$*"; }

stage "lint (ruff)"
"$BIN/ruff" check .
"$BIN/ruff" format --check .

stage "types (mypy --strict)"
"$BIN/mypy" libs services tests bench deploy/local/seed_demo.py deploy/local/demo deploy/local/asyncapi_docs.py \
  deploy/local/graphql_sdl.py deploy/local/dev_jwt.py

stage "unit tests"
deploy/local/kustomize.sh >/dev/null  # renders deploy/kubernetes in tests/unit/test_kubernetes_manifests.py
"$BIN/pytest" tests/unit -q

stage "infrastructure: Kafka and Postgres (instance 'test')"
export BRIDGEWORK_INFRA_INSTANCE=${BRIDGEWORK_INFRA_INSTANCE:-test}
exports=$(deploy/local/infra.sh up)
eval "$exports"
echo "$exports"
if [ -n "${CI:-}" ]; then
  # CI starts from nothing and must leave nothing running; locally the test
  # broker and database stay up so the next run starts in seconds.
  trap 'deploy/local/infra.sh down || true; BRIDGEWORK_INFRA_INSTANCE=secure deploy/local/infra.sh down || true' EXIT
fi

stage "infrastructure: a SASL_SSL broker with SCRAM users and ACLs (instance 'secure')"
# Its exports are BRIDGEWORK_SECURE_KAFKA_* only: every other test keeps the plain broker.
# Passwords stay in the file BRIDGEWORK_SECURE_KAFKA_USERS names, out of this log.
secure_exports=$(BRIDGEWORK_INFRA_INSTANCE=secure BRIDGEWORK_PYTHON="$BIN/python" deploy/local/infra.sh up)
eval "$secure_exports"
echo "$secure_exports"

stage "headless browser for the dashboard test (Debian's chromium)"
deploy/local/browser.sh

stage "integration and end-to-end tests"
"$BIN/pytest" tests/integration tests/e2e -q
