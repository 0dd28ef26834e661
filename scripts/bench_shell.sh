#!/usr/bin/env bash
# scripts/bench_shell.sh SCRIPT: one of the stand-alone benchmarks read by 'bin/odoo shell'
# (scripts/bench_keys.py, scripts/bench_hand_back.py, ...) on a database of its own with
# crm_team_routing installed without demo data, dropped afterwards; the script's output is shown
# and kept in .state/logs/bench-NAME-*.out, Odoo's log beside it. Its BENCH_* variables pass
# through the environment. 'make bench-keys' and 'make bench-hand-back' call it. Needs the CPU
# to itself: flock -o /tmp/crm-cpu.lock make bench-keys
# BENCH_KEEP_DB=1 keeps the database (and the cluster running) to study it afterwards: its name
# is printed; scripts/lib.sh's drop_db removes it.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

script="${1:-}"
[ -f "$script" ] || die "usage: scripts/bench_shell.sh SCRIPT (a file bin/odoo shell reads)"
script=$(readlink -f "$script")
name=$(basename "$script" .py)

setup_all
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_${name}_$$"
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$STATE/logs/$name-$stamp.log"
out="$STATE/logs/$name-$stamp.out"
cleanup() {
  if [ -n "${BENCH_KEEP_DB:-}" ]; then
    say "kept database $db (port $(pg_port))"
    return
  fi
  drop_db "$db" 2>/dev/null || true
  if [ "$started_pg" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

copy_db "$(template_db)" "$db"
say "installing crm_team_routing in $db"
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --without-demo=all --stop-after-init --no-http \
  --log-level=warn >"$log" 2>&1 \
  || { tail -30 "$log" >&2; die "could not install crm_team_routing (log: ${log#$ROOT/})"; }
say "running ${script#$ROOT/} in $db (Odoo log: ${log#$ROOT/}, output: ${out#$ROOT/})"
rc=0
"$ROOT/bin/odoo" shell -d "$db" --no-http --log-level=warn < "$script" 2>>"$log" \
  | tee "$out" || rc=$?
if [ "$rc" -ne 0 ]; then
  tail -30 "$log" >&2
  die "${script#$ROOT/} stopped with exit code $rc (log: ${log#$ROOT/})"
fi
grep -q ' correct=yes' "$out" || die "no correct result line (output: ${out#$ROOT/})"
