#!/usr/bin/env bash
# make bench-report: the routing report over 1,000,000 assignment log rows (issue #26), on a
# database of its own that is dropped afterwards. The report ends with
#   BENCH-REPORT rows=N groups=G seconds=S leader_seconds=L limit=2.0 ok=yes|no
# and the command fails unless ok=yes. BENCH_REPORT_ROWS, _LEADS, _USERS, _TEAMS, _LIMIT change
# the sizes (scripts/bench_report.py).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_all
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_bench_report_$$"
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$STATE/logs/bench-report-$stamp.log"
out="$STATE/logs/bench-report-$stamp.out"
cleanup() { drop_db "$db" 2>/dev/null || true; if [ "$started_pg" = 1 ]; then pg_stop; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

copy_db "$(template_db)" "$db"
say "installing crm_team_routing in $db"
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --without-demo=all --stop-after-init --no-http \
  --log-level=warn >"$log" 2>&1 \
  || { tail -30 "$log" >&2; die "could not install crm_team_routing (log: ${log#$ROOT/})"; }
say "generating the rows and timing the report (log: ${log#$ROOT/})"
"$ROOT/bin/odoo" shell -d "$db" --no-http --log-level=warn --logfile="$log" \
  < "$ROOT/scripts/bench_report.py" | tee "$out" | grep '^BENCH-REPORT'
grep -q '^BENCH-REPORT rows=.* ok=yes' "$out"
