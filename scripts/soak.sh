#!/usr/bin/env bash
# make soak [SOAK_SECONDS=60]: the project's concurrency check. A database of its own (copied from
# the template, the module installed without demo data), a prefork Odoo server on a free port, and
# the package scripts/soak/ driving it over XML-RPC like real users and the scheduled action
# would: 20 clients creating leads with and without route-on-create while the routing cron runs, the cron
# and the "Route leads" server action started together, and an import of 1,000 leads with and
# without route-on-create. The invariants are then read in SQL. The report ends with SOAK
# key=value lines and 'SOAK result=ok' (or result=FAIL, and the command fails). The server and
# the database are removed afterwards, and PostgreSQL stopped if this command started it.
#   SOAK_SECONDS   length of each of the two creation phases (default 60)
#   SOAK_CLIENTS   concurrent XML-RPC clients (default 20)
#   SOAK_QUOTA     capacity (assignment_max) of each routing member (default 12)
#   SOAK_IMPORT    leads per import (default 1000)
#   SOAK_TIMEOUT   hard limit of the whole drive, in seconds (default 1500)
#   SOAK_KEEP=1    keep the database afterwards, to look into a failure (e.g. bin/odoo shell -d DB)
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
http_port=$(free_port)
longpolling_port=$(free_port)   # the prefork server starts a longpolling process: not 8072
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$STATE/logs/soak-$stamp.log"   # Odoo's server log (warnings, errors, routing runs, retries)
out="$STATE/logs/soak-$stamp.out"   # the report, also shown on the terminal
server_pid=

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # The prefork master stops its workers; give it 30 s, then kill it.
    for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$server_pid" 2>/dev/null; then
      say "the server did not stop in 30 s: killing it"
      kill -KILL "$server_pid" 2>/dev/null || true
      sleep 2   # its workers notice their parent is gone and exit
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

cleanup() {
  trap - INT TERM EXIT
  stop_server
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

# Prefork, as in production. Routing's INFO lines ("Lead routing ...") count the routing runs of
# an import; odoo.service.model's INFO lines count the serialization failures the RPC layer
# retried. The CPU limit is raised like the real-time one: a slow import must finish to be timed.
say "starting Odoo (4 workers) on port $http_port, database $db (log: ${log#$ROOT/})"
"$ROOT/bin/odoo" -d "$db" --db-filter="^$db\$" --workers=4 --max-cron-threads=0 \
  --http-port="$http_port" --longpolling-port="$longpolling_port" \
  --limit-time-real=600 --limit-time-cpu=600 \
  --log-level=warn --log-handler=odoo.addons.crm_team_routing:INFO \
  --log-handler=odoo.service.model:INFO --logfile="$log" >>"$log" 2>&1 &
server_pid=$!

ready=0
for _ in $(seq 120); do
  kill -0 "$server_pid" 2>/dev/null || break
  if python3 - "$http_port" <<'PY'
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
  tail -30 "$log" >&2
  die "the server did not answer /web/login with 200 within 60 s (log: ${log#$ROOT/})"
fi

say "soak: ${seconds} s per creation phase (report: ${out#$ROOT/})"
rc=0
SOAK_DB="$db" SOAK_HTTP_PORT="$http_port" SOAK_PG_PORT="$(pg_port)" SOAK_PG_USER="$ODOO_DB_USER" \
  SOAK_LOG="$log" SOAK_SECONDS="$seconds" PYTHONUNBUFFERED=1 \
  timeout --signal=TERM --kill-after=30 "$hard_limit" \
  env PYTHONPATH="$ROOT/scripts" "$VENV/bin/python" -m soak | tee "$out" || rc=$?
[ "$rc" -ne 124 ] || say "the soak exceeded SOAK_TIMEOUT=${hard_limit} s and was stopped"
say "$((SECONDS - started_at)) s in all, set-up included"

case "$(grep '^SOAK result=' "$out" | tail -n 1)" in
  "SOAK result=ok") say "soak passed" ;;
  "SOAK result=FAIL"*) die "soak failed: $(grep '^SOAK result=' "$out" | tail -n 1) (report: ${out#$ROOT/}, Odoo log: ${log#$ROOT/})" ;;
  *) tail -30 "$log" >&2; die "the soak stopped with exit code $rc before its summary (Odoo log: ${log#$ROOT/})" ;;
esac
[ "$rc" -eq 0 ] || die "the soak (scripts/soak/) exited with $rc"
