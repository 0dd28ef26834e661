#!/usr/bin/env bash
# make test: set-up, then the module's tests (Python and browser) on two fresh databases, one
# without demo data and one with it (as Odoo's and OCA's CI run them); an uninstall check on the
# first (the paths that commit are the tests' own: tests/test_transactions.py); the second is a
# database where routing already ran (the module installed without its tests, the scheduled
# action run once by Odoo's cron thread, then the tests of the updated module); a database made
# through Odoo's database manager whose scheduled action must run (scripts/dbmanager_check.py);
# the module built as a wheel, installed from it in a fresh virtualenv and run once
# (scripts/wheel_check.sh); then cleanup.
# The closing line is 'N passed, N failed' and counts all of it.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_all
setup_browser
setup_gettext
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_test_$$"
demo_db="crm_routing_test_demo_$$"
manager_db="crm_routing_test_dbmanager_$$"
export CRM_TEAM_ROUTING_WHEEL_DB="crm_routing_test_wheel_$$"
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$STATE/logs/test-$stamp.log"
demo_log="$STATE/logs/test-$stamp-demo.log"
manager_log="$STATE/logs/test-$stamp-dbmanager.log"

cleanup() {
  for name in "$db" "$demo_db" "$manager_db" "$CRM_TEAM_ROUTING_WHEEL_DB"; do
    drop_db "$name" 2>/dev/null || true
  done
  if [ "$started_pg" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT

export PATH="$ROOT/scripts/browser:$PATH"   # the 'phantomjs' stand-in driving Debian chromium
export CRM_TEAM_ROUTING_BROWSER_PYTHON="$BROWSER_VENV/bin/python"
export CRM_TEAM_ROUTING_SCREENSHOTS="$STATE/screenshots"

rc=0
# run_tests DB LOG ODOO ARGS: install (-i) or update (-u) the module with its tests on DB.
run_tests() {
  local target=$1 target_log=$2; shift 2
  say "running the tests of crm_team_routing in database $target (log: ${target_log#$ROOT/})"
  "$ROOT/bin/odoo" -d "$target" --test-enable --stop-after-init \
    --http-port="$(free_port)" --workers=0 --max-cron-threads=0 --log-level=test \
    --logfile="$target_log" "$@" ${TEST_ARGS:-} || rc=$?
  grep -E "odoo\.addons\.crm_team_routing\.tests.* \.\.\. |(ERROR|CRITICAL) " "$target_log" \
    | grep -v "test_exceptions" | cut -c1-300 || true
}

copy_db "$(template_db)" "$db"
run_tests "$db" "$log" -i crm_team_routing --without-demo=all

extra_passed=0; extra_failed=0
# shell_check LABEL SCRIPT MARKER: a script run by 'odoo shell' on the test database passes when
# it prints MARKER (a failed assertion stops it before).
shell_check() {
  local out="$STATE/logs/${2%.py}.log"
  if "$ROOT/bin/odoo" shell -d "$db" --no-http --log-level=warn < "$ROOT/scripts/$2" >"$out" 2>&1 \
       && grep -q "$3" "$out"; then
    say "$1 ... ok"; extra_passed=$((extra_passed + 1))
  else
    say "$1 ... FAILED (log: ${out#$ROOT/})"; tail -20 "$out" >&2
    extra_failed=$((extra_failed + 1))
  fi
}
# What the code exports for translation now, before the module leaves: the template must hold
# exactly that (scripts/check_i18n.sh compares them).
export CRM_TEAM_ROUTING_EXPORTED_POT="$STATE/logs/exported.pot"
"$ROOT/bin/odoo" -d "$db" --i18n-export="$STATE/logs/exported.po" --modules=crm_team_routing \
  --stop-after-init --log-level=warn --no-http >/dev/null 2>&1 \
  && mv "$STATE/logs/exported.po" "$CRM_TEAM_ROUTING_EXPORTED_POT" \
  || say "could not export the template from $db: the i18n check will fail"
# The module leaves cleanly and gives core's record rules back.
shell_check "uninstall check" uninstall_check.py "UNINSTALL-CHECK ok"

# The Vietnamese translation is complete and well-formed (placeholders kept), and the template
# is current.
if "$ROOT/scripts/check_i18n.sh"; then
  extra_passed=$((extra_passed + 1))
else
  extra_failed=$((extra_failed + 1))
fi

# The same tests on a database with demo data where routing already ran, as a user's database
# is: the module installed with its demo data (bin/odoo -i, no tests), the routing job run once
# by Odoo's cron thread (one check), then the tests of the updated module (-u runs both its
# at_install and post_install tests). They must not depend on what else the database holds.
copy_db "$(template_db demo)" "$demo_db"
demo_install_log="$STATE/logs/test-$stamp-demo-install.log"
demo_cron_log="$STATE/logs/test-$stamp-demo-cron.log"
say "installing crm_team_routing with its demo data in $demo_db (log: ${demo_install_log#$ROOT/})"
if "$ROOT/bin/odoo" -d "$demo_db" -i crm_team_routing --stop-after-init --no-http \
     --max-cron-threads=0 --log-level=warn --logfile="$demo_install_log" \
   && ! grep -qE "^\S+ \S+ [0-9]+ (ERROR|CRITICAL) " "$demo_install_log" \
   && python3 "$ROOT/scripts/cron_once.py" "$(free_port)" "$demo_db" "$demo_cron_log"; then
  say "routing run once by the cron thread in $demo_db ... ok"; extra_passed=$((extra_passed + 1))
else
  say "routing run once by the cron thread in $demo_db ... FAILED (logs: ${demo_install_log#$ROOT/}, ${demo_cron_log#$ROOT/})"
  extra_failed=$((extra_failed + 1))
fi
run_tests "$demo_db" "$demo_log" -u crm_team_routing

# A database made through the database manager and the module installed from Apps (over
# XML-RPC) runs its scheduled actions, also after a restart: one check.
say "database manager check in database $manager_db (log: ${manager_log#$ROOT/})"
if python3 "$ROOT/scripts/dbmanager_check.py" "$(free_port)" "$manager_db" "$manager_log"; then
  say "database manager check ... ok"; extra_passed=$((extra_passed + 1))
else
  say "database manager check ... FAILED (log: ${manager_log#$ROOT/})"
  extra_failed=$((extra_failed + 1))
fi

# `make run` serves a database made in its database manager (not only the demo), the session
# the manager hands over stays on it, and the demo still opens: one check.
run_log="$STATE/logs/test-$stamp-run.log"
say "make run check (log: ${run_log#$ROOT/})"
if python3 "$ROOT/scripts/run_check.py" "$(free_port)" "$run_log"; then
  say "make run check ... ok"; extra_passed=$((extra_passed + 1))
else
  say "make run check ... FAILED (log: ${run_log#$ROOT/})"
  extra_failed=$((extra_failed + 1))
fi

# The module as OCA ships modules: its wheel (setup/crm_team_routing, setuptools-odoo) in a fresh
# virtualenv beside Odoo 11, not the source folder, installed from there into a new database and
# one routing run: one check (the script prints 'wheel check ... ok' or '... FAILED').
if "$ROOT/scripts/wheel_check.sh"; then
  extra_passed=$((extra_passed + 1))
else
  extra_failed=$((extra_failed + 1))
fi

set +e
python3 "$ROOT/scripts/parse_test_log.py" "$log:$demo_log" crm_team_routing \
  "$extra_passed" "$extra_failed"
verdict=$?
set -e
if [ "$rc" -ne 0 ] && [ "$verdict" -eq 0 ]; then
  say "Odoo exited with $rc"; verdict=1
fi
exit "$verdict"
