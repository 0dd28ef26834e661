# The soak of 'make soak' (scripts/soak.sh), run with Odoo's venv python against a prefork Odoo
# server serving a database of its own (psycopg2 for the SQL reads). Everything it does goes
# through public interfaces: XML-RPC as users would call it (create, write, load, the scheduled
# action's method_direct_trigger, the "Route leads" server action's run), the documented XML ids,
# and SQL reads for the checks. So it keeps working whatever the router looks like inside.
#
#   set-up     4 routing teams filtering on the country (2 of them to route new leads at once in
#              phase B), 8 routing members with a small capacity, creators with Sales rights
#   phase A    SOAK_CLIENTS clients create leads without salesperson for SOAK_SECONDS, route-on-
#              create off everywhere: the baseline latency. These leads are archived afterwards
#              (else the first routing run of phase B would fill every capacity with them)
#   phase B    the same with route-on-create on the 2 teams, the routing cron triggered every 5 s,
#              and every 5 s a salesperson joining one of these teams with the same capacity: the
#              first members are full within seconds, and a capacity is only overrun at its last
#              places, so each new member gives creations and the cron a fresh one to race for
#   checks     one more cron run, then SQL: no failed creation, nothing assigned twice, no
#              capacity exceeded, nothing lost; routing lag
#   race       capacities raised, then the routing cron and the "Route leads" server action
#              started together on the waiting leads: both finish, no error in the server log
#   import     IMPORT leads through crm.lead.load (the list's Import), without then with
#              route-on-create on a team that matches them: durations, ratio, routed, runs
#
# The report ends with "SOAK key=value" lines and "SOAK result=ok" or "SOAK result=FAIL failed=..."
# (exit code 1).
#
#   __main__.py  the entry ('python -m soak' from scripts/)
#   main.py      the course of the soak and its summary's figures and checks
#   config.py    the SOAK_* settings and the fixed tables
#   rpc.py       XML-RPC clients with deadlines, failures as one line, SQL reads
#   measure.py   percentiles, what a phase saw, Odoo's log read from a mark
#   setup.py     users, teams and members over XML-RPC
#   phases.py    the creation phases (creators, the cron loop, the joiners)
#   checks.py    the invariants in SQL, the routing lags
#   race.py      the cron and the server action started together
#   imports.py   the import with and without route-on-create
#   report.py    the closing SOAK lines and result
