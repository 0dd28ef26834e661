#!/usr/bin/env bash
# make test: set-up, a fresh database, the module's tests (Python and browser), a run of the
# scheduled action with real commits, an uninstall check, then cleanup. The closing line is
# 'N passed, N failed'.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_all
setup_browser
setup_gettext
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_test_$$"
port=$(free_port)
mkdir -p "$STATE/logs"
log="$STATE/logs/test-$(date +%Y%m%d-%H%M%S).log"

cleanup() {
  drop_db "$db" 2>/dev/null || true
  if [ "$started_pg" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT

export PATH="$ROOT/scripts/browser:$PATH"   # the 'phantomjs' stand-in driving Debian chromium
export CRM_TEAM_ROUTING_BROWSER_PYTHON="$BROWSER_VENV/bin/python"
export CRM_TEAM_ROUTING_SCREENSHOTS="$STATE/screenshots"

copy_db "$(template_db)" "$db"
say "running the tests of crm_team_routing in database $db (log: ${log#$ROOT/})"
rc=0
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --without-demo=all --test-enable \
  --stop-after-init --http-port="$port" --workers=0 --max-cron-threads=0 \
  --log-level=test --logfile="$log" ${TEST_ARGS:-} || rc=$?
grep -E "odoo\.addons\.crm_team_routing\.tests.* \.\.\. |(ERROR|CRITICAL) " "$log" \
  | grep -v "test_exceptions" | cut -c1-300 || true

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
# The scheduled action as it really runs (commits, parallel writers, a failed batch), which the
# tests cannot do: they never commit.
shell_check "cron check" cron_check.py "CRON-CHECK ok"
# Route-on-create, the server action and the lock policies, which run once a transaction is
# committed: the tests cannot reach them either.
shell_check "commit check" commit_check.py "COMMIT-CHECK ok"
# The module leaves cleanly and gives core's record rules back.
shell_check "uninstall check" uninstall_check.py "UNINSTALL-CHECK ok"

# The Vietnamese translation is complete and well-formed (placeholders kept).
if "$ROOT/scripts/check_i18n.sh"; then
  extra_passed=$((extra_passed + 1))
else
  extra_failed=$((extra_failed + 1))
fi

set +e
python3 "$ROOT/scripts/parse_test_log.py" "$log" crm_team_routing "$extra_passed" "$extra_failed"
verdict=$?
set -e
if [ "$rc" -ne 0 ] && [ "$verdict" -eq 0 ]; then
  say "Odoo exited with $rc"; verdict=1
fi
exit "$verdict"
