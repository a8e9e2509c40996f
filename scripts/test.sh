#!/usr/bin/env bash
# The test suite against the real TimescaleDB, Prometheus and Alertmanager (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
