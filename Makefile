# crm_team_routing: the two commands of the README, and a few helpers.
#   make run    Odoo with the module and its demo data at http://localhost:8069 (admin / admin)
#   make test   the module's tests on a fresh database; closes with 'N passed, N failed'
SHELL := /bin/bash
LEADS ?= 100000

.PHONY: run test bench soak stop setup clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh $(LEADS)

soak:
	@scripts/soak.sh

setup:
	@bash -c 'source scripts/lib.sh && setup_all && setup_browser'

stop:
	@bash -c 'source scripts/lib.sh && pg_stop'

clean: stop
	@bash -c 'source scripts/lib.sh && d=$$(pg_datadir) && rm -rf "$$d" "$$d.log" .state .venv .venv-browser'
