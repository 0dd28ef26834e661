#!/usr/bin/env bash
# make soak [SOAK_SECONDS=60]: the project's concurrency check. A database of its own (copied from
# the template, the module installed without demo data), two prefork Odoo servers on it as two
# hosts would run them (each on its own free ports, each with its own cron threads and log), and
# the package scripts/soak/ driving them over XML-RPC like real users and the scheduled action
# would (scripts/soak/__init__.py says what each of its files holds):
#   phases A and B  20 clients creating leads on server 1, route-on-create off (A) then on (B),
#                   the routing cron every 5 s in both: creation latency on/off (p50, p99 and
#                   their ratios) and the routing lag
#   phase C         the same with the clients spread over both servers, the cron triggered on
#                   each in turn and run by both servers' cron threads
#   checks          nothing assigned twice, no capacity exceeded, nothing lost or stranded
#   race            the cron and the "Route leads" server action started together
#   import          1,000 leads with and without route-on-create
#   hand edits      a routing run of 20,000 leads written by parallel writers while a team leader
#                   (on server 2) moves, wins, loses and gives leads: none overwritten, none
#                   given after being won or lost, the run completes
# The report ends with a summary block: SOAK key=value lines, SOAK target lines (issue #20's
# latency and lag targets, reported), SOAK check lines, and 'SOAK result=ok' (or result=FAIL,
# and the command fails). The servers and the database are removed afterwards, and PostgreSQL
# stopped if this command started it. About 6 minutes with the defaults.
#   SOAK_SECONDS    length of each of the three creation phases (default 60)
#   SOAK_CLIENTS    concurrent XML-RPC clients (default 20)
#   SOAK_QUOTA      capacity (assignment_max) of each routing member (default 12)
#   SOAK_IMPORT     leads per import (default 1000)
#   SOAK_RUN_LEADS  leads of the routing run the leader edits during (default 20000)
#   SOAK_TIMEOUT    hard limit of the whole drive, in seconds (default 1500)
#   SOAK_KEEP=1     keep the database afterwards, to look into a failure (e.g. bin/odoo shell -d DB)
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

seconds="${SOAK_SECONDS:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "SOAK_SECONDS must be a positive number of seconds, got '$seconds'"
hard_limit="${SOAK_TIMEOUT:-1500}"

started_at=$SECONDS
setup_all
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_soak_$$"
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
out="$STATE/logs/soak-$stamp.out"   # the report, also shown on the terminal
# Per server: HTTP port, longpolling port (the prefork server starts a longpolling process: not
# 8072), Odoo's log (warnings, errors, routing runs, retries, cron jobs started), process id.
http_ports=() longpolling_ports=() logs=() server_pids=()
for n in 1 2; do
  http_ports+=("$(free_port)")
  longpolling_ports+=("$(free_port)")
  logs+=("$STATE/logs/soak-$stamp-server$n.log")
done
log="${logs[0]}"

stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]}"; do
    # The prefork master stops its workers; give it 30 s, then kill it.
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "server $pid did not stop in 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 2   # its workers notice their parent is gone and exit
    fi
    wait "$pid" 2>/dev/null || true
  done
  server_pids=()
}

cleanup() {
  trap - INT TERM EXIT
  stop_servers
  if [ -n "${SOAK_KEEP:-}" ]; then
    say "database $db kept (SOAK_KEEP): drop it with bash -c 'source scripts/lib.sh && drop_db $db'"
  else
    drop_db "$db" 2>/dev/null || true
  fi
  if [ "$started_pg" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

copy_db "$(template_db)" "$db"
say "installing crm_team_routing in $db (no demo data)"
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --without-demo=all --stop-after-init --no-http \
  --log-level=warn >"$log" 2>&1 \
  || { tail -30 "$log" >&2; die "could not install crm_team_routing (log: ${log#$ROOT/})"; }

# Prefork, as in production, with cron threads (the soak keeps the routing job for itself
# except in phase C). Routing's INFO lines ("Lead routing ...") count the routing runs of an
# import; odoo.service.model's INFO lines count the serialization failures the RPC layer
# retried; ir_cron's the jobs the cron threads started. The CPU limit is raised like the
# real-time one: a slow import must finish to be timed.
for n in 0 1; do
  say "starting Odoo server $((n + 1)) (4 workers, 2 cron threads) on port ${http_ports[$n]}, database $db (log: ${logs[$n]#$ROOT/})"
  "$ROOT/bin/odoo" -d "$db" --db-filter="^$db\$" --workers=4 --max-cron-threads=2 \
    --http-port="${http_ports[$n]}" --longpolling-port="${longpolling_ports[$n]}" \
    --limit-time-real=600 --limit-time-cpu=600 \
    --log-level=warn --log-handler=odoo.addons.crm_team_routing:INFO \
    --log-handler=odoo.service.model:INFO --log-handler=odoo.addons.base.ir.ir_cron:INFO \
    --logfile="${logs[$n]}" >>"${logs[$n]}" 2>&1 &
  server_pids+=("$!")
done

for n in 0 1; do
  ready=0
  for _ in $(seq 120); do
    kill -0 "${server_pids[$n]}" 2>/dev/null || break
    if python3 - "${http_ports[$n]}" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/web/login" % sys.argv[1], timeout=5) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
    then ready=1; break; fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    tail -30 "${logs[$n]}" >&2
    die "server $((n + 1)) did not answer /web/login with 200 within 60 s (log: ${logs[$n]#$ROOT/})"
  fi
done

say "soak: ${seconds} s per creation phase (report: ${out#$ROOT/})"
rc=0
SOAK_DB="$db" SOAK_HTTP_PORT="${http_ports[0]}" SOAK_HTTP_PORT2="${http_ports[1]}" \
  SOAK_PG_PORT="$(pg_port)" SOAK_PG_USER="$ODOO_DB_USER" \
  SOAK_LOG="${logs[0]}" SOAK_LOG2="${logs[1]}" SOAK_SECONDS="$seconds" PYTHONUNBUFFERED=1 \
  PYTHONPATH="$ROOT/scripts" timeout --signal=TERM --kill-after=30 "$hard_limit" \
  "$VENV/bin/python" -m soak | tee "$out" || rc=$?
[ "$rc" -ne 124 ] || say "the soak exceeded SOAK_TIMEOUT=${hard_limit} s and was stopped"
say "$((SECONDS - started_at)) s in all, set-up included"

case "$(grep '^SOAK result=' "$out" | tail -n 1)" in
  "SOAK result=ok") say "soak passed" ;;
  "SOAK result=FAIL"*) die "soak failed: $(grep '^SOAK result=' "$out" | tail -n 1) (report: ${out#$ROOT/}, Odoo logs: ${logs[0]#$ROOT/}, ${logs[1]#$ROOT/})" ;;
  *) tail -30 "$log" >&2; die "the soak stopped with exit code $rc before its summary (Odoo logs: ${logs[0]#$ROOT/}, ${logs[1]#$ROOT/})" ;;
esac
[ "$rc" -eq 0 ] || die "the soak (scripts/soak/) exited with $rc"
