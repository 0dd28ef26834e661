#!/usr/bin/env bash
# A developer's shortcut: some test files of the module on a fresh database without demo data.
#   scripts/quick_test.sh test_gate test_sla      (file names under crm_team_routing/tests/)
#   QUICK_DEMO=1 scripts/quick_test.sh test_ui    (on a database with demo data where routing ran
#                                                  once, as make test's second database)
# Closes with 'N passed, N failed' like make test; make test (CI) always runs every file.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"
[ $# -gt 0 ] || die "usage: scripts/quick_test.sh test_file [test_file ...]"
setup_all
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_quick_$$"
mkdir -p "$STATE/logs"
log="$STATE/logs/quick-$(date +%Y%m%d-%H%M%S).log"
cleanup() { drop_db "$db" 2>/dev/null || true; if [ "$started_pg" = 1 ]; then pg_stop; fi; }
trap cleanup EXIT
export PATH="$ROOT/scripts/browser:$PATH"
export CRM_TEAM_ROUTING_BROWSER_PYTHON="$BROWSER_VENV/bin/python"
export CRM_TEAM_ROUTING_TESTS
CRM_TEAM_ROUTING_TESTS=$(IFS=,; echo "$*" | sed 's/\.py//g; s#[^,]*/##g')
rc=0
if [ "${QUICK_DEMO:-0}" = 1 ]; then
  copy_db "$(template_db demo)" "$db"
  say "installing crm_team_routing with its demo data in $db, routing run once"
  "$ROOT/bin/odoo" -d "$db" -i crm_team_routing --stop-after-init --no-http \
    --max-cron-threads=0 --log-level=warn --logfile="$log.install" \
    && python3 "$ROOT/scripts/cron_once.py" "$(free_port)" "$db" "$log.cron" \
    || die "demo install or its routing run failed (logs: $log.install, $log.cron)"
  odoo_args=(-u crm_team_routing)
else
  copy_db "$(template_db)" "$db"
  odoo_args=(-i crm_team_routing --without-demo=all)
fi
say "running $CRM_TEAM_ROUTING_TESTS in $db (log: ${log#$ROOT/})"
"$ROOT/bin/odoo" -d "$db" "${odoo_args[@]}" --test-enable --stop-after-init \
  --http-port="$(free_port)" --workers=0 --max-cron-threads=0 --log-level=test \
  --logfile="$log" || rc=$?
grep -E "(ERROR|CRITICAL|FAIL)" "$log" | grep -v "test_exceptions" | cut -c1-400 || true
python3 "$ROOT/scripts/parse_test_log.py" "$log" crm_team_routing 0 0 || rc=1
exit "$rc"
