# The soak's course: set-up, phase A, phase B, the checks, the race, the import; then the
# summary (SOAK key=value lines and SOAK result=ok|FAIL) and the exit code.
import time
from collections import OrderedDict

from . import report
from .checks import (
    assigned_twice, lost_leads, quotas_exceeded, routing_lags, trigger_cron)
from .config import (
    ACTION_XMLID, ADMIN, CLIENTS, CRON_EVERY, CRON_XMLID, IMPORT_LEADS, IMPORT_RUNS_MAX,
    JOIN_EVERY, LONG_TIMEOUT, SECONDS, SHOW, TEAMS, say)
from .imports import import_timing
from .measure import ServerLog, fmt, ms, percentile
from .phases import report_phase, run_phase
from .race import race
from .rpc import Client, Sql
from .setup import Setup


def main():
    started = time.perf_counter()
    log = ServerLog()
    sql = Sql()
    admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    setup = Setup(admin)
    setup.build()
    cron_id = admin.ref(CRON_XMLID)
    action_id = admin.ref(ACTION_XMLID)
    on_create = [name for name, _codes, on in TEAMS if on]

    say("phase A: %d clients for %d s, route-on-create off on every team, no cron"
        % (CLIENTS, SECONDS))
    mark = log.mark()
    phase_a = run_phase('A', setup, with_cron=False, cron_id=cron_id)
    errors_a = report_phase(phase_a, log, mark)
    # Set aside: the first cron run of phase B would give every capacity to them.
    for start in range(0, len(phase_a.ids), 1000):
        admin.call('crm.lead', 'write', phase_a.ids[start:start + 1000], {'active': False},
                   context={'tracking_disable': True})

    say("phase B: %d clients for %d s, route-on-create on %s, routing cron every %.0f s, "
        "a salesperson joining one of them every %.0f s"
        % (CLIENTS, SECONDS, ' and '.join(on_create), CRON_EVERY, JOIN_EVERY))
    setup.set_on_create(on_create, True)
    mark = log.mark()
    phase_b = run_phase('B', setup, with_cron=True, cron_id=cron_id)
    errors_b = report_phase(phase_b, log, mark)
    retries = log.retries(mark)

    say("one more routing cron run to finish the work (%.1f s)" % trigger_cron(admin, cron_id))
    twice = assigned_twice(sql)
    exceeded = quotas_exceeded(sql)
    missing, stranded = lost_leads(sql, setup, phase_a, phase_b)
    every, on_create_lags, cron_lags, waited = routing_lags(sql, phase_b.ids)
    say("checks: %d assigned twice, %d memberships over capacity, %d missing, %d stranded"
        % (len(twice), len(exceeded), len(missing), len(stranded)))
    for lead_id, count, users in twice[:SHOW]:
        say("  lead %d given %d times (users %s)" % (lead_id, count, users))
    for team, login, quota, count in exceeded:
        say("  %s / %s: %d leads in 30 days, capacity %d" % (team, login, count, quota))
    for lead_id in missing[:SHOW]:
        say("  lead %d was created (id returned) but does not exist" % lead_id)
    for lead_id, name, team_id, kinds in stranded[:SHOW]:
        say("  lead %d (%s) has no salesperson, team %s, log rows %s"
            % (lead_id, name, team_id, kinds))

    race_ok, race_leads, race_retries, race_errors = race(
        admin, sql, setup, log, cron_id, action_id, phase_b)
    import_without, import_with, import_routed, import_runs = import_timing(
        admin, sql, setup, log)
    ratio = import_with / import_without if import_without else None

    created = len(phase_a.ids) + len(phase_b.ids)
    failed = phase_a.failed + phase_b.failed
    attempts = len(phase_a.latencies) + len(phase_b.latencies)
    cron_failures = sum(phase_b.cron_failures.values())
    excess = sum(count - quota for _t, _l, quota, count in exceeded)
    lines = [
        ('creations', created, 'creations_a', len(phase_a.ids), 'creations_b', len(phase_b.ids),
         'clients', CLIENTS, 'seconds_per_phase', SECONDS),
        ('failures', failed, 'failures_a', phase_a.failed, 'failures_b', phase_b.failed,
         'failure_rate_pct', fmt(100.0 * failed / attempts if attempts else None, 2)),
        ('latency_ms_without_p50', fmt(ms(percentile(phase_a.latencies, 50))),
         'latency_ms_without_p99', fmt(ms(percentile(phase_a.latencies, 99)))),
        ('latency_ms_with_p50', fmt(ms(percentile(phase_b.latencies, 50))),
         'latency_ms_with_p99', fmt(ms(percentile(phase_b.latencies, 99)))),
        ('routing_lag_s_p50', fmt(percentile(every, 50)),
         'routing_lag_s_p99', fmt(percentile(every, 99)), 'routed', len(every),
         'routed_after_waiting_for_a_place', waited),
        ('routing_lag_on_create_s_p50', fmt(percentile(on_create_lags, 50)),
         'routing_lag_on_create_s_p99', fmt(percentile(on_create_lags, 99)),
         'routed_on_create', len(on_create_lags)),
        ('routing_lag_cron_s_p50', fmt(percentile(cron_lags, 50)),
         'routing_lag_cron_s_p99', fmt(percentile(cron_lags, 99)), 'routed_by_cron',
         len(cron_lags)),
        ('cron_runs', len(phase_b.cron_runs), 'cron_failures', cron_failures,
         'cron_p50_s', fmt(percentile(phase_b.cron_runs, 50), 2), 'joined', phase_b.joins,
         'join_failures', sum(phase_b.join_failures.values())),
        ('server_errors', len(errors_a) + len(errors_b), 'rpc_retries', retries),
        ('assigned_twice', len(twice)),
        ('quota_exceeded', len(exceeded), 'excess_leads', excess),
        ('lost', len(missing) + len(stranded), 'missing', len(missing),
         'stranded', len(stranded)),
        ('cron_and_server_action', 'ok' if race_ok else 'FAIL', 'race_leads', race_leads,
         'race_server_errors', race_errors, 'race_rpc_retries', race_retries),
        ('import_s_without', fmt(import_without, 1)),
        ('import_s_with', fmt(import_with, 1)),
        ('import_ratio', fmt(ratio, 2)),
        ('import_routed', import_routed, 'import_leads', IMPORT_LEADS,
         'import_routing_runs', import_runs),
        ('soak_s', fmt(time.perf_counter() - started)),
    ]
    checks = OrderedDict([
        ('failures', failed == 0),
        ('cron_failures', cron_failures == 0),
        ('join_failures', not phase_b.join_failures),
        ('assigned_twice', not twice),
        ('quota_exceeded', not exceeded),
        ('lost', not missing and not stranded),
        ('cron_and_server_action', race_ok),
        ('import_routed', import_routed == IMPORT_LEADS),
        ('import_routing_runs', import_runs <= IMPORT_RUNS_MAX),
    ])
    return report.summary(lines, checks)
