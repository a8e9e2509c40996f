# The two commands a newcomer needs: `make run` and `make test`. Both set the machine up first (idempotent).
.PHONY: setup run test test-ha lint bench generate

setup:
	@scripts/bootstrap.sh

run: setup
	@.venv/bin/chitieu serve

test: setup
	@scripts/test.sh

# The database tier for real: etcd, two Patroni nodes, HAProxy, failover both ways (tests/test_ha.py), and
# pgBackRest point-in-time recovery (tests/test_pitr.py); two to three minutes. Both are part of `make test` too.
test-ha: setup
	@scripts/test.sh tests/test_ha.py tests/test_pitr.py

lint: setup
	@scripts/lint.sh

bench: setup
	@.venv/bin/python -m bench

# Every file under deploy/ generated from the catalogue (dashboards, rules, Alertmanager, k8s ConfigMaps).
generate: setup
	@.venv/bin/chitieu generate
