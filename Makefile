# The two commands a newcomer needs: `make run` and `make test`. Both set the machine up first (idempotent).
.PHONY: setup run test lint bench generate

setup:
	@scripts/bootstrap.sh

run: setup
	@.venv/bin/chitieu serve

test: setup
	@scripts/test.sh

lint: setup
	@scripts/lint.sh

bench: setup
	@.venv/bin/python -m bench

generate: setup
	@.venv/bin/chitieu rules build
	@.venv/bin/chitieu dashboards build
