# The benchmark of 'make bench' (scripts/bench.sh), run inside 'bin/odoo shell' on a database of
# its own: generates BENCH_LEADS leads (default 100,000) with plain SQL, sets up scoring rules,
# teams, salespeople and routing members through the ORM, commits, then times ONE routing run
# exactly as the scheduled action does it (crm.team._cron_assign_leads), checks that the result
# is correct, and prints a report whose last line is
#   BENCH leads=N seconds=S leads_per_s=R queries_per_lead=Q peak_mb=M floor_ratio=F correct=yes|no
# Everything is deterministic: the leads' attributes derive from md5(series number), the rest of
# the data from fixed tables (config.py). BENCH_WRITERS=N sets the number of connections the run
# writes on (crm_team_routing.parallel_writers). BENCH_PROFILE=N additionally prints the N most
# expensive functions of the run, and of the SLA run with BENCH_SLA (cProfile; the runs are then
# slower than without it). BENCH_ABSENCE=1 puts a tenth of the members on leave now, gives
# another tenth three leave days in the last 30 (their quota is pro-rated), and routes half the
# teams during working hours only, a member of each of those being off shift. BENCH_SLA=1 then
# times one SLA take-back run over N open assigned leads of which N/10 are overdue (sla.py); its
# report ends with a BENCH_SLA line. BENCH_OWNERS=1 adds 50,000 existing open opportunities and
# customers (35,000 and 15,000) owned by the members, makes 30% of the new leads share a phone or
# an email with one of them (typed another way), and turns on "Route to the existing owner" on
# every team; it also times route-on-create of one lead with and without the owner step.
# BENCH_SHAPE chooses the teams: 'default' (20 teams of 10 members) or 'one-team' (one national
# team of 1,000 members, the same mix of member filters, capacities and paused members: the
# member slots repeated 100 times). BENCH_CAPACITY=1 gives, in every team, a third of the
# members no cap, a third an open-lead cap with 3 open leads already, a third a preferred filter
# (issue #22), and checks caps, the split among equals and the preferences.
#
#   __main__.py  the entry 'bin/odoo shell' reads on its standard input (env is given)
#   config.py    the BENCH_* settings and the data's fixed tables
#   setup.py     data making: leads, existing owners, configuration, absences (not measured)
#   meter.py     the measures: queries, time and memory per step of the engine, SQL by caller
#   run.py       the routing run, measured and checked; the floor; route-on-create (owners)
#   checks.py    the invariants of the routing run and of the SLA run
#   sla.py       BENCH_SLA: the SLA take-back run, set up, measured and checked
#   report.py    the tables and the closing BENCH / BENCH_SLA lines
