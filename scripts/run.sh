#!/usr/bin/env bash
# make run: set-up, the demo database, then Odoo at http://localhost:8069 (admin / admin) until
# Ctrl-C, which stops the server and the cluster this command started.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

db="${DB:-crm_routing_demo}"
# Every database but the scripts' own (lib.sh's template_db, quick_test.sh, test.sh, ...).
SERVED_DBS='^(?!crm_routing_(base|bench|i18n|quick|shots|soak|test|wheel)_).+$'
http_port="${HTTP_PORT:-8069}"
if port_busy "$http_port"; then
  die "port $http_port is busy (another Odoo?). Stop it, or run: make run HTTP_PORT=8070"
fi
setup_all
pg_start
started_pg=$PG_STARTED_HERE
server_pid=
stop_all() {
  trap - INT TERM EXIT
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$started_pg" = 1 ]; then say "stopping PostgreSQL"; pg_stop; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

stamp="$STATE/$db.module.stamp"
want=$(find "$ROOT/crm_team_routing" -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 cat | sha1sum | cut -c1-16)
if ! db_exists "$db"; then
  say "creating database $db with crm_team_routing and its demo data (about a minute)"
  # Vietnamese too: the demo's salespeople use it (their accounts in Tiếng Việt), the admin
  # English, so the demo shows both languages.
  "$ROOT/bin/odoo" -d "$db" -i crm_team_routing --load-language=vi_VN --stop-after-init \
    --log-level=warn
  echo "$want" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "module changed since the last run: updating it in $db"
  "$ROOT/bin/odoo" -d "$db" -u crm_team_routing --stop-after-init --log-level=warn
  echo "$want" > "$stamp"
fi

say "Odoo on http://localhost:$http_port/web?db=$db (admin / admin). Every database of the"
say "cluster is served (one made in the database manager too). Ctrl-C stops it."
# -d loads the demo at start; the filter serves every other database too (Odoo 11 serves only
# -d's database when no filter is given), so one made in the database manager opens and its
# session stays; only the databases the project's own scripts make and drop (templates, tests,
# benchmarks) are left out. With the demo alone, /web opens it; with several, /web?db=NAME.
"$ROOT/bin/odoo" -d "$db" --db-filter="$SERVED_DBS" --http-port="$http_port" --workers=0 "$@" &
server_pid=$!
wait "$server_pid"
