# The soak of 'make soak' (scripts/soak.sh), run with Odoo's venv python against two prefork Odoo
# servers serving the same database of its own, as two hosts would (psycopg2 for the SQL reads).
# Everything it does goes through public interfaces: XML-RPC as users would call it (create,
# write, action_set_won/lost, load, the scheduled action's method_direct_trigger, the "Route
# leads" server action's run), the documented XML ids, and SQL reads for the checks; two
# exceptions, both in the hand-edits part: its 20,000 leads are inserted with SQL, and a trigger
# of its own records the changes of leads while it runs. So it keeps working whatever the router
# looks like inside.
#
#   set-up     4 routing teams filtering on the country (2 of them to route new leads at once in
#              phases B and C), 8 routing members with a small capacity, creators with Sales
#              rights; the routing job kept from the servers' cron threads (due tomorrow)
#   phase A    SOAK_CLIENTS clients create leads without salesperson for SOAK_SECONDS on server 1,
#              route-on-create off everywhere, the routing cron triggered every 5 s, and every
#              5 s a salesperson joining one of the 2 teams with the same capacity: the first
#              members are full within seconds, and a capacity is only overrun at its last places,
#              so each new member gives creations and the cron a fresh one to race for. These
#              leads are archived afterwards, so that B starts as A did, with no lead waiting
#   phase B    the same with route-on-create on the 2 teams: the latency on/off (p50, p99, their
#              ratios against issue #20's targets) and the routing lag
#   phase C    the same as B with the clients spread over both servers, the cron triggered on each
#              in turn, and the routing job due every minute for both servers' cron threads
#   checks     one more cron run, then SQL over the three phases: no failed creation, nothing
#              assigned twice, no capacity exceeded, nothing lost (A's archived leads: none missing)
#   race       capacities raised, then the routing cron and the "Route leads" server action
#              started together on the waiting leads: both finish, no error in the server log
#   import     IMPORT leads through crm.lead.load (the list's Import), without then with
#              route-on-create on a team that matches them: durations, ratio, routed, runs
#   hand edits a routing run of SOAK_RUN_LEADS leads written by parallel writers while a team
#              leader moves, gives, wins and loses waiting leads on server 2 (handedits.py)
#
# The report ends with a summary block: "SOAK key=value" lines, "SOAK target" lines (reported,
# they do not fail the soak), "SOAK check" lines, and "SOAK result=ok" or "SOAK result=FAIL
# failed=..." (exit code 1).
#
#   __main__.py  the entry ('python -m soak' from scripts/)
#   main.py      the course of the soak
#   config.py    the SOAK_* settings, the fixed tables and the targets
#   rpc.py       XML-RPC clients with deadlines, failures as one line, SQL reads
#   measure.py   percentiles, what a phase saw, a server's log read from a mark
#   setup.py     users, teams and members over XML-RPC
#   phases.py    the creation phases (creators, the cron loop, the joiners)
#   checks.py    the invariants in SQL, the routing lags
#   race.py      the cron and the server action started together
#   imports.py   the import with and without route-on-create
#   handedits.py the leader's edits during a routing run, and their checks
#   report.py    the summary block and the result
