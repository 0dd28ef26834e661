#!/usr/bin/env bash
# make bench [LEADS=N]: one routing run over N generated leads (default 100000), measured and
# checked, on a database of its own that is dropped afterwards. The report ends with
#   BENCH leads=N seconds=S leads_per_s=R queries_per_lead=Q peak_mb=M floor_ratio=F correct=yes|no
# and the command fails unless the result is correct. BENCH_WRITERS=1 writes on one connection
# (crm_team_routing.parallel_writers); BENCH_PROFILE=30 adds the 30 most expensive
# functions of the run and of the SLA run (cProfile, which slows them down); BENCH_ABSENCE=1
# puts a tenth of the members on leave and half the teams on working hours (see the package
# scripts/bench/: its __init__.py says what each file holds). BENCH_SLA=1 then times one SLA
# take-back run over N open assigned leads, N/10 overdue (issue #14); the report then ends with
#   BENCH_SLA leads=N overdue=O moved=M seconds=S leads_per_s=R queries_per_lead=Q
#             ref_leads_per_s=F ratio=F/R correct=yes|no
# where F, the leads/s of a routing run of 10,000 leads (what 'make bench LEADS=10000' measures),
# is measured first in the same invocation, on a copy of the same installation (about 30 s
# more); BENCH_SLA_REF=F uses a figure measured earlier instead.
# BENCH_OWNERS=1 is the existing owner variant: 50,000 existing open opportunities and
# customers, 30% of the new leads sharing a phone or an email with one of them, "Route to the
# existing owner" on every team; and the existing account (issue #25): 10,000 company customers
# with a tax ID and 10,000 open opportunities with a company name and a corporate email domain,
# 15% of the new leads carrying a variant of one of those keys (a tax ID with blanks, dots, a
# "VN" prefix or a "-001" branch suffix; "Cty ..." for "CÔNG TY TNHH ..."; an address at the
# same domain). It first times the same run WITHOUT owners on a copy of the same installation
# (as long again); its BENCH line then carries
#   owners=1 ref_seconds=S0 ratio=S/S0
# BENCH_OWNERS_REF=S0 uses a figure measured earlier instead of the reference run.
# existing owner" on every team (its BENCH line carries owners=1).
# BENCH_ACTIVITY=1 turns on "Plan a follow-up" on every team (issue #23): the same routing run
# without activities is measured first, on a copy of the same installation, and the line
#   BENCH_ACTIVITY leads=N activities=A seconds=S leads_per_s=R ref_leads_per_s=F ratio=F/R
#             extra_queries=Q batches=B extra_queries_per_batch=Q/B correct=yes|no
# follows the BENCH line; with BENCH_SLA=1 too, a reminder run over 10,000 due leads follows the
# SLA run: BENCH_REMIND leads=10000 ... ref_leads_per_s=F ratio=F/R correct=yes|no (F: the
# 10,000-lead routing reference of BENCH_SLA).
# BENCH_SHAPE=one-team routes into one team of 1,000 members instead of the default 20 teams
# of 10 (the same mix of member filters and capacities). BENCH_CAPACITY=1 is the capacity modes
# variant (issue #22): in every team a third of the members have "No cap", a third an open-lead
# cap and open leads already (assigned before the 30-day window), a third a preferred filter;
# its checks add: no open-lead cap exceeded, members with no cap go beyond their capacity, and
# preferences honoured whenever a preferring member had room (its BENCH line carries
# capacity=1). Compare it with a plain 'make bench' run right before it. BENCH_KEEP_DB=1 keeps
# the benchmark's database (and the cluster running) to study it afterwards; its name is
# printed, scripts/lib.sh's drop_db removes it. The report prints the
# decision step's seconds on a line of its own ('decision step: 0.84 s') and, per phase, the
# process's peak memory when the phase ended.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

leads="${1:-100000}"
[[ "$leads" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/bench.sh [LEADS] (a positive number, got '$leads')"

setup_all
pg_start
started_pg=$PG_STARTED_HERE
db="crm_routing_bench_$$"
mkdir -p "$STATE/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$STATE/logs/bench-$stamp.log"   # Odoo's log (warnings and errors)
out="$STATE/logs/bench-$stamp.out"   # the report, also shown on the terminal

ref_db="${db}_ref"
# 'bin/odoo shell' reads the benchmark's entry on its standard input; the entry imports the
# bench package from scripts/.
entry="$ROOT/scripts/bench/__main__.py"
export BENCH_SCRIPTS="$ROOT/scripts"
cleanup() {
  drop_db "$ref_db" 2>/dev/null || true
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

if [ -n "${BENCH_SLA:-}" ] && [ -z "${BENCH_SLA_REF:-}" ]; then
  # The SLA run's reference: a routing run of 10,000 leads, on this machine, now.
  ref_out="$STATE/logs/bench-$stamp-ref.out"
  copy_db "$db" "$ref_db"
  say "SLA reference: a routing run of 10000 leads in $ref_db (report: ${ref_out#$ROOT/})"
  BENCH_LEADS=10000 BENCH_SLA='' BENCH_ACTIVITY='' BENCH_PROFILE='' "$ROOT/bin/odoo" shell -d "$ref_db" --no-http \
    --log-level=warn < "$entry" 2>>"$log" > "$ref_out" \
    || { tail -30 "$log" >&2; die "the reference run stopped (log: ${log#$ROOT/})"; }
  drop_db "$ref_db"
  ref_line=$(tail -n 1 "$ref_out")
  [[ "$ref_line" == BENCH*" correct=yes" ]] \
    || die "the reference run printed no correct BENCH line (report: ${ref_out#$ROOT/})"
  BENCH_SLA_REF=$(sed -n 's/.* leads_per_s=\([0-9.]*\) .*/\1/p' <<<"$ref_line")
  say "SLA reference: $ref_line"
  export BENCH_SLA_REF BENCH_SLA_REF_MEASURED=1
fi

owners_on=0
case "${BENCH_OWNERS:-0}" in 0|'') ;; *) owners_on=1 ;; esac
if [ "$owners_on" = 1 ] && [ -z "${BENCH_OWNERS_REF:-}" ]; then
  # The owner variant's reference: the same run without owners, on this machine, now.
  ref_out="$STATE/logs/bench-$stamp-owners-ref.out"
  copy_db "$db" "$ref_db"
  say "owners reference: a routing run of $leads leads without owners in $ref_db" \
      "(report: ${ref_out#$ROOT/})"
  BENCH_LEADS="$leads" BENCH_OWNERS=0 BENCH_SLA='' BENCH_PROFILE='' "$ROOT/bin/odoo" shell \
    -d "$ref_db" --no-http --log-level=warn < "$entry" 2>>"$log" > "$ref_out" \
    || { tail -30 "$log" >&2; die "the owners reference run stopped (log: ${log#$ROOT/})"; }
  drop_db "$ref_db"
  ref_line=$(tail -n 1 "$ref_out")
  [[ "$ref_line" == BENCH*" correct=yes" ]] \
    || die "the owners reference run printed no correct BENCH line (report: ${ref_out#$ROOT/})"
  BENCH_OWNERS_REF=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$ref_line")
  say "owners reference: $ref_line"
  export BENCH_OWNERS_REF
fi

if [ -n "${BENCH_ACTIVITY:-}" ] && [ "${BENCH_ACTIVITY}" != 0 ] \
    && [ -z "${BENCH_ACTIVITY_REF:-}" ]; then
  # The activities' reference: the same routing run without them, on this machine, now.
  act_out="$STATE/logs/bench-$stamp-noactivity.out"
  copy_db "$db" "$ref_db"
  say "activity reference: a routing run of $leads leads without activities in $ref_db"
  BENCH_LEADS="$leads" BENCH_SLA='' BENCH_ACTIVITY='' BENCH_PROFILE='' "$ROOT/bin/odoo" shell \
    -d "$ref_db" --no-http --log-level=warn < "$entry" 2>>"$log" > "$act_out" \
    || { tail -30 "$log" >&2; die "the activity reference run stopped (log: ${log#$ROOT/})"; }
  drop_db "$ref_db"
  act_line=$(tail -n 1 "$act_out")
  [[ "$act_line" == BENCH*" correct=yes" ]] \
    || die "the activity reference run printed no correct BENCH line (report: ${act_out#$ROOT/})"
  BENCH_ACTIVITY_REF=$(sed -n 's/.* leads_per_s=\([0-9.]*\) .*/\1/p' <<<"$act_line")
  per_lead=$(sed -n 's/.* queries_per_lead=\([0-9.]*\) .*/\1/p' <<<"$act_line")
  BENCH_ACTIVITY_REF_QUERIES=$(python3 -c "print(round($per_lead * $leads))")
  say "activity reference: $act_line"
  export BENCH_ACTIVITY_REF BENCH_ACTIVITY_REF_QUERIES
fi

say "benchmark of $leads leads in $db (Odoo log: ${log#$ROOT/}, report: ${out#$ROOT/})"
rc=0
BENCH_LEADS="$leads" "$ROOT/bin/odoo" shell -d "$db" --no-http --log-level=warn \
  < "$entry" 2>>"$log" | tee "$out" || rc=$?
if [ "$rc" -ne 0 ]; then
  tail -30 "$log" >&2
  die "the benchmark stopped with exit code $rc (log: ${log#$ROOT/})"
fi
if grep -q '^BENCH[A-Z_]* .* correct=no$' "$out"; then
  die "the routing result is wrong: see the failed checks above"
fi
case "$(tail -n 1 "$out")" in
  BENCH*" correct=yes") ;;
  BENCH*) die "the result is wrong: see the failed checks above" ;;
  *) die "the benchmark printed no BENCH line (log: ${log#$ROOT/})" ;;
esac
