# crm_team_routing: the two commands of the README, and a few helpers.
#   make run    Odoo with the module and its demo data at http://localhost:8069 (admin / admin)
#   make test   the module's tests on a fresh database without demo data and on one with it, and
#               the end-to-end checks; closes with 'N passed, N failed'
#   make lint   flake8 and pylint with OCA's pylint-odoo mandatory checks; fails on a finding
#   make readme crm_team_routing/README.rst from its readme/ fragments
#   make screenshots  docs/screenshots/ retaken from the demo (English and Vietnamese)
#   make bench-report the routing report over 1,000,000 log rows, timed (docs/reporting.md)
#   make bench, make bench-keys, make bench-hand-back  benchmarks (docs/benchmarks.md)
SHELL := /bin/bash
LEADS ?= 100000

.PHONY: run test lint readme screenshots bench bench-report bench-keys bench-hand-back soak stop \
	setup clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/lint.sh

readme:
	@bash -c 'source scripts/lib.sh && setup_lint && "$$LINT_VENV/bin/python" scripts/gen_addon_readme.py crm_team_routing'

screenshots:
	@scripts/screenshots.sh

bench:
	@scripts/bench.sh $(LEADS)

bench-report:
	@scripts/bench_report.sh

# The install-time fill of the existing account's keys (issue #25), and handing back 10,000
# leads (issue #24), each on a database of its own: scripts/bench_shell.sh.
bench-keys:
	@scripts/bench_shell.sh scripts/bench_keys.py

bench-hand-back:
	@scripts/bench_shell.sh scripts/bench_hand_back.py

soak:
	@scripts/soak.sh

setup:
	@bash -c 'source scripts/lib.sh && setup_all && setup_browser && setup_lint'

stop:
	@bash -c 'source scripts/lib.sh && pg_stop'

clean: stop
	@bash -c 'source scripts/lib.sh && d=$$(pg_datadir) && rm -rf "$$d" "$$d.log" .state .venv .venv-browser .venv-lint .venv-wheel'
