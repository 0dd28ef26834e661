#!/usr/bin/env bash
# make screenshots: the README's screenshots, retaken from the demo that 'make run' serves.
# Copies the demo template (made once, as 'make test' does) into a throwaway database, installs
# the module with its demo data and the Vietnamese language, starts Odoo on a free port and runs
# scripts/screenshots.py (Playwright, Debian's Chromium) as the demo's people. The database is
# dropped at the end, and the cluster stopped if this command started it.
# Wrap it like every Odoo run on a shared machine: flock /tmp/odoo-suite.lock make screenshots
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

db="crm_routing_shots_$$"
out="${SCREENSHOTS_DIR:-$ROOT/docs/screenshots}"
setup_all
setup_browser
pg_start
started_pg=$PG_STARTED_HERE
server_pid=
cleanup() {
  trap - INT TERM EXIT
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  drop_db "$db" || true
  if [ "$started_pg" = 1 ]; then say "stopping PostgreSQL"; pg_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$STATE/logs"
log="$STATE/logs/screenshots.log"
template=$(template_db demo)
copy_db "$template" "$db"
say "installing crm_team_routing with its demo data and Vietnamese into $db"
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --load-language=vi_VN --stop-after-init \
  --log-level=warn --no-http >"$log" 2>&1 \
  || { tail -n 50 "$log" >&2; die "could not install the module (log: $log)"; }

port=$(free_port)
say "Odoo on port $port (log: $log)"
# No cron thread: the demo's leads wait until the script routes them, as a visitor would.
"$ROOT/bin/odoo" -d "$db" --db-filter="^$db\$" --http-port="$port" --workers=0 \
  --max-cron-threads=0 --log-level=warn >>"$log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/web/login" && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 50 "$log" >&2; die "Odoo stopped (log: $log)"; }
  sleep 0.5
done

mkdir -p "$out"
"$BROWSER_VENV/bin/python" "$ROOT/scripts/screenshots.py" --port "$port" --db "$db" --out "$out"
say "screenshots written to $out"
