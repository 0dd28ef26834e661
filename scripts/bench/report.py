# The report's tables: print_run (the routing run: data, phases with their seconds, queries and
# peak memory, the summary rows and the closing BENCH line) and print_sla (the SLA take-back run,
# closing with the BENCH_SLA line). bench.sh reads the last line.
from .config import (
    ABSENCE, ACCOUNT_CUSTOMERS, ACCOUNT_OPPORTUNITIES, ACCOUNT_SHARE, CAPACITY, LEADS,
    OWNED_CUSTOMERS, OWNED_OPPORTUNITIES, OWNED_SHARE, OWNERS, OWNERS_REFERENCE, SHAPE,
    SLA_REFERENCE, SLA_REFERENCE_MEASURED)
from .meter import DECISIONS, DIGESTS, SLA_NOTES

WIDTH = 46


def print_phases(meter, seconds, queries, other_label, with_mb):
    """The measured steps, indented by depth, then what no step accounts for."""
    width = WIDTH
    if with_mb:
        # Peak MB: the process's peak memory when the step last ended (it never goes down).
        print("  %-*s %9s %9s %9s" % (width, "phase", "seconds", "queries", "peak MB"))
    else:
        print("  %-*s %9s %9s" % (width, "phase", "seconds", "queries"))
    for label, (depth, calls, phase_seconds, phase_queries, phase_mb) in meter.phases.items():
        name = '  ' * depth + label + (' (x%d)' % calls if calls > 1 else '')
        shown = '-' if phase_queries is None else phase_queries
        if with_mb:
            print("  %-*s %9.2f %9s %9.0f" % (width, name, phase_seconds, shown, phase_mb))
        else:
            print("  %-*s %9.2f %9s" % (width, name, phase_seconds, shown))
    other = seconds - sum(stats[2] for stats in meter.top_level())
    other_queries = queries - sum(stats[3] for stats in meter.top_level())
    print("  %-*s %9.2f %9d" % (width, other_label, other, other_queries))
    print()


def print_rows(rows):
    for name, value in rows:
        print("  %-*s %s" % (WIDTH - 18, name, value))
    print()


def print_run(data, meter, check, leads, figures):
    """The routing run's report; ``figures``: writers, generated, configured, seconds, queries,
    mb_before, mb_after, floor, on_create (BENCH_OWNERS)."""
    seconds, queries, floor = figures['seconds'], figures['queries'], figures['floor']
    writers, on_create = figures['writers'], figures['on_create']
    digest_queries = meter.phases[DIGESTS][3]
    routing_queries = queries - digest_queries
    salespeople = len({row[2] for row in leads if row[2]})
    in_team = sum(1 for row in leads if row[1] and not row[2])
    no_team = sum(1 for row in leads if not row[1])
    capacity = sum(m.assignment_quota for m in data.members if not m.assignment_optout)

    print()
    print("crm_team_routing benchmark: one routing run as the scheduled action does it")
    print("  data: %d leads, %d teams, %d members (capacity %d), %d scoring rules; shape %s"
          % (LEADS, len(data.teams), len(data.members), capacity, len(data.rules), SHAPE))
    if OWNERS:
        print("  existing owners: %d open opportunities and %d customers; %d%% of the leads "
              "share a key with one of them" % (OWNED_OPPORTUNITIES, OWNED_CUSTOMERS,
                                                OWNED_SHARE * 100))
        print("  existing accounts: %d company customers with a tax ID, %d open opportunities "
              "with a company name and a corporate domain; %d%% of the leads carry a variant of "
              "one of their keys" % (ACCOUNT_CUSTOMERS, ACCOUNT_OPPORTUNITIES,
                                     ACCOUNT_SHARE * 100))
    print("  writes on %d connection%s (crm_team_routing.parallel_writers)"
          % (writers, 's' if writers > 1 else ''))
    if CAPACITY:
        print("  BENCH_CAPACITY: %d members with no cap, %d with an open-lead cap, %d with "
              "preferred leads" % (len(data.unlimited), len(data.open_caps),
                                   len(data.preferred_domains)))
    if ABSENCE:
        print("  BENCH_ABSENCE: %d members on leave now, %d with past leave days, %d teams "
              "during working hours only, %d members unavailable now"
              % (len(data.leave_now), len(data.past_leave),
                 len(data.teams.filtered('assignment_hours_only')), len(data.unavailable)))
    print("  setup (not measured): leads %.1fs with SQL, configuration %.1fs with the ORM "
          "(matching keys of every lead and partner: %.1fs)"
          % (figures['generated'], figures['configured'], data.fill_seconds))
    print("  result: %d given to %d salespeople, %d waiting in a team, %d without team"
          % (LEADS - in_team - no_team, salespeople, in_team, no_team))
    print()
    print_phases(meter, seconds, queries, "other (candidates, lock, cron)", with_mb=True)
    print("decision step: %.2f s" % meter.phases[DECISIONS][2])
    print()
    rows = [
        ("wall time", "%.2f s" % seconds),
        ("throughput", "%.0f leads/s" % (LEADS / seconds)),
        ("SQL queries without digests", "%d (%.4f per lead)" % (
            routing_queries, routing_queries / LEADS)),
        ("SQL queries of the digests", "%d (%.1f per salesperson)" % (
            digest_queries, digest_queries / salespeople if salespeople else 0)),
        ("peak memory", "%.0f MB (%.0f MB before the run)" % (
            figures['mb_after'], figures['mb_before'])),
        ("floor: one bare UPDATE", "%.3f s (run / floor = %.1f)" % (floor, seconds / floor)),
        ("checks", "%d passed, %d failed" % (check.passed, len(check.failed))),
    ]
    if OWNERS:
        rows[-1:-1] = [
            ("existing owner step", "%d leads to their owner, %d owners skipped"
             % check.owner_stats),
            ("  of which by the account", "tax ID %d, company name %d, email domain %d" % (
                check.owner_keys['vat'], check.owner_keys['company_name'],
                check.owner_keys['email_domain'])),
            ("route-on-create, one lead", "%.0f ms a run (%.0f ms without the option), of "
             "which the owner step %.1f ms" % (on_create[1] * 1000, on_create[0] * 1000,
                                               on_create[2] * 1000)),
        ]
    owners = ''
    if OWNERS:
        owners = ' owners=1'
        if OWNERS_REFERENCE:
            rows.insert(2, ("run without owners just before", "%.2f s (ratio %.2f)" % (
                OWNERS_REFERENCE, seconds / OWNERS_REFERENCE)))
            owners += ' ref_seconds=%.2f ratio=%.2f' % (OWNERS_REFERENCE,
                                                        seconds / OWNERS_REFERENCE)
    print_rows(rows)
    print("BENCH leads=%d seconds=%.2f leads_per_s=%.0f queries_per_lead=%.4f peak_mb=%.0f "
          "floor_ratio=%.1f%s correct=%s" % (
              LEADS, seconds, LEADS / seconds, routing_queries / LEADS, figures['mb_after'],
              seconds / floor, owners + (' capacity=1' if CAPACITY else ''),
              'yes' if check.correct else 'no'), flush=True)


def print_sla(meter, check, moved, figures):
    """The SLA run's report; ``figures``: assigned, routed, aged, handled, overdue, prepared,
    seconds, queries, mb_after, age_hours, sla_hours."""
    seconds, queries, handled = figures['seconds'], figures['queries'], figures['handled']
    assigned = figures['assigned']
    message_queries = meter.phases[DIGESTS][3] + meter.phases[SLA_NOTES][3]
    run_queries = queries - message_queries
    lps = handled / seconds

    print()
    print("crm_team_routing benchmark: one SLA take-back run as the scheduled action does it")
    print("  data: %d open assigned leads (%d routed, the rest SQL copies), %d overdue "
          "(given %d h ago, delay %d h, 1 take-back per lead)"
          % (assigned, figures['routed'], figures['aged'], figures['age_hours'],
             figures['sla_hours']))
    print("  setup (not measured): %.1fs" % figures['prepared'])
    print("  result: %d taken back, %d stayed (leader told), to %d salespeople"
          % (len(moved), handled - len(moved), len({row[1] for row in moved.values()})))
    print()
    print_phases(meter, seconds, queries, "other (teams, lock, cron)", with_mb=False)
    rows = [
        ("wall time", "%.2f s" % seconds),
        ("throughput", "%.0f overdue leads/s" % lps),
        ("SQL queries without messages", "%d (%.4f per overdue lead)" % (
            run_queries, run_queries / max(handled, 1))),
        ("SQL queries of digests and notes", "%d" % message_queries),
        ("peak memory", "%.0f MB" % figures['mb_after']),
        ("checks", "%d passed, %d failed" % (check.passed, len(check.failed))),
    ]
    if SLA_REFERENCE:
        rows.insert(2, ("plain routing of 10,000 leads", "%.0f leads/s, %s (ratio %.2f)" % (
            SLA_REFERENCE, 'measured just before' if SLA_REFERENCE_MEASURED else 'given',
            SLA_REFERENCE / lps)))
    print_rows(rows)
    print("BENCH_SLA leads=%d overdue=%d moved=%d seconds=%.2f leads_per_s=%.0f "
          "queries_per_lead=%.4f%s correct=%s" % (
              assigned, handled, len(moved), seconds, lps, run_queries / max(handled, 1),
              ' ref_leads_per_s=%.0f ratio=%.2f' % (SLA_REFERENCE, SLA_REFERENCE / lps)
              if SLA_REFERENCE else '',
              'yes' if check.correct and handled == figures['overdue'] else 'no'), flush=True)
