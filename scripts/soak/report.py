# The summary block that closes the report: one "SOAK key=value ..." line per figure, the targets
# of issue #20 ("SOAK target ..." lines: reported, they do not fail the soak), one "SOAK check
# ..." line per invariant, then "SOAK result=ok" or "SOAK result=FAIL failed=<checks>"; soak.sh
# reads the last. summary() returns the exit code: 1 when a check failed.
from collections import OrderedDict

from .config import (
    CLIENTS, IMPORT_LEADS, IMPORT_RUNS_MAX, LAG_P99_TARGET, P50_RATIO_TARGET, P99_RATIO_TARGET,
    SECONDS, URL, URL2)
from .measure import fmt, ms, percentile


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def latency_lines(phase_a, phase_b):
    """Creation latency, route-on-create off (A) and on (B), both with the cron every 5 s."""
    p = {(phase.label, pct): percentile(phase.latencies, pct)
         for phase in (phase_a, phase_b) for pct in (50, 99)}
    lines = [
        ('latency_ms_without_p50', fmt(ms(p['A', 50])), 'latency_ms_without_p99',
         fmt(ms(p['A', 99]))),
        ('latency_ms_with_p50', fmt(ms(p['B', 50])), 'latency_ms_with_p99', fmt(ms(p['B', 99]))),
        ('latency_ratio_p50', fmt(ratio(p['B', 50], p['A', 50]), 2),
         'latency_ratio_p99', fmt(ratio(p['B', 99], p['A', 99]), 2)),
    ]
    for kind in ('on_create', 'other'):
        lines.append(tuple(item for phase, what in ((phase_a, 'without'), (phase_b, 'with'))
                           for pct in (50, 99)
                           for item in ('latency_ms_%s_leads_%s_p%d' % (kind, what, pct),
                                        fmt(ms(percentile(phase.by_kind[kind], pct))))))
    return lines, p


def lag_lines(label, lags):
    every, on_create, by_cron, waited = lags
    suffix = '' if label == 'B' else '_' + label.lower()
    lines = [('routing_lag%s_s_p50' % suffix, fmt(percentile(every, 50)),
              'routing_lag%s_s_p99' % suffix, fmt(percentile(every, 99)),
              'routed%s' % suffix, len(every),
              'routed_after_waiting_for_a_place%s' % suffix, waited)]
    if label != 'A':
        lines.append(('routing_lag_on_create%s_s_p50' % suffix, fmt(percentile(on_create, 50)),
                      'routing_lag_on_create%s_s_p99' % suffix, fmt(percentile(on_create, 99)),
                      'routed_on_create%s' % suffix, len(on_create)))
    lines.append(('routing_lag_cron%s_s_p50' % suffix, fmt(percentile(by_cron, 50)),
                  'routing_lag_cron%s_s_p99' % suffix, fmt(percentile(by_cron, 99)),
                  'routed_by_cron%s' % suffix, len(by_cron)))
    return lines


def summary(phases, errors, retries, checked, race_result, import_result, edits, seconds):
    phase_a, phase_b, phase_c = phases
    race_ok, race_leads, race_retries, race_errors = race_result
    import_without, import_with, import_routed, import_runs = import_result
    twice, exceeded = checked['twice'], checked['exceeded']
    missing, stranded = checked['missing'], checked['stranded']
    created = sum(len(phase.ids) for phase in phases)
    failed = sum(phase.failed for phase in phases)
    attempts = sum(len(phase.latencies) for phase in phases)
    cron_failures = sum(sum(phase.cron_failures.values()) for phase in phases)
    join_failures = sum(sum(phase.join_failures.values()) for phase in phases)
    cron_runs = [run for phase in phases for run in phase.cron_runs]
    excess = sum(count - quota for _t, _l, quota, count in exceeded)
    latency, p = latency_lines(phase_a, phase_b)
    on_create_lag = percentile(checked['lags']['B'][1], 99)
    servers = [(url, phase_c.by_server.get(url, [])) for url in (URL, URL2)]
    lines = [
        ('creations', created, 'creations_a', len(phase_a.ids), 'creations_b', len(phase_b.ids),
         'creations_c', len(phase_c.ids), 'clients', CLIENTS, 'seconds_per_phase', SECONDS),
        ('failures', failed, 'failures_a', phase_a.failed, 'failures_b', phase_b.failed,
         'failures_c', phase_c.failed,
         'failure_rate_pct', fmt(100.0 * failed / attempts if attempts else None, 2)),
    ] + latency + lag_lines('B', checked['lags']['B']) + lag_lines('A', checked['lags']['A']) + [
        ('cron_runs', len(cron_runs), 'cron_failures', cron_failures,
         'cron_p50_s', fmt(percentile(cron_runs, 50), 2),
         'joined', sum(phase.joins for phase in phases), 'join_failures', join_failures),
        ('server_errors', errors, 'rpc_retries', retries),
        ('two_servers_creations', len(phase_c.ids),
         'two_servers_latency_ms_p50', fmt(ms(percentile(phase_c.latencies, 50))),
         'two_servers_latency_ms_p99', fmt(ms(percentile(phase_c.latencies, 99)))) + tuple(
             item for number, (url, values) in enumerate(servers, 1)
             for item in ('server%d_creations' % number, phase_c.created_by_server[url],
                          'server%d_latency_ms_p50' % number, fmt(ms(percentile(values, 50))))),
        ('two_servers_cron_thread_runs_1', phase_c.cron_threads[0],
         'two_servers_cron_thread_runs_2', phase_c.cron_threads[1]),
    ] + lag_lines('C', checked['lags']['C']) + [
        ('assigned_twice', len(twice)),
        ('quota_exceeded', len(exceeded), 'excess_leads', excess),
        ('lost', len(missing) + len(stranded), 'missing', len(missing),
         'stranded', len(stranded)),
        ('cron_and_server_action', 'ok' if race_ok else 'FAIL', 'race_leads', race_leads,
         'race_server_errors', race_errors, 'race_rpc_retries', race_retries),
        ('import_s_without', fmt(import_without, 1)),
        ('import_s_with', fmt(import_with, 1)),
        ('import_ratio', fmt(ratio(import_with, import_without), 2)),
        ('import_routed', import_routed, 'import_leads', IMPORT_LEADS,
         'import_routing_runs', import_runs),
        ('hand_edits_leads', edits['leads'], 'parallel_writers', edits['writers'],
         'run', edits['run'].replace(' ', '_')[:60], 'run_s', fmt(edits['run_s'], 1),
         'write_s', fmt(edits['write_s'], 1), 'left_without_salesperson', edits['left'],
         'server_errors', edits['errors'], 'run_rpc_retries', edits['retries']),
        ('hand_edits', edits['edits']) + tuple(
            item for kind, count in edits['counts'].items() for item in (kind, count)) + (
            'failed', edits['failed_edits'], 'while_waiting', edits['racing'],
            'during_writes', edits['during_writes'], 'not_found', edits['unseen'],
            'leader_server_errors', edits['leader_errors'],
            'leader_rpc_retries', edits['leader_retries']),
        ('hand_edits_overwritten', edits['overwritten'],
         'hand_edits_given_after_won_or_lost', edits['given_after'],
         'hand_edits_run_completes', 'yes' if edits['completes'] else 'no'),
        ('soak_s', fmt(seconds)),
    ]
    # (name, value, digits, limit, whether the value is below it (else at most it))
    targets = [
        ('latency_ratio_p50', ratio(p['B', 50], p['A', 50]), 2, P50_RATIO_TARGET, False),
        ('latency_ratio_p99', ratio(p['B', 99], p['A', 99]), 2, P99_RATIO_TARGET, False),
        ('routing_lag_on_create_s_p99', on_create_lag, 0, LAG_P99_TARGET, True),
    ]
    checks = OrderedDict([
        ('failures', failed == 0),
        ('cron_failures', cron_failures == 0),
        ('join_failures', join_failures == 0),
        ('assigned_twice', not twice),
        ('quota_exceeded', not exceeded),
        ('lost', not missing and not stranded),
        ('cron_and_server_action', race_ok),
        ('import_routed', import_routed == IMPORT_LEADS),
        ('import_routing_runs', import_runs <= IMPORT_RUNS_MAX),
        ('hand_edits_overwritten', edits['overwritten'] == 0),
        ('hand_edits_given_after_won_or_lost', edits['given_after'] == 0),
        ('hand_edits_run_completes', edits['completes']),
    ])
    print()
    for line in lines:
        print('SOAK ' + ' '.join('%s=%s' % (line[i], line[i + 1]) for i in range(0, len(line), 2)))
    for name, value, digits, limit, below in targets:
        met = value is not None and (value < limit if below else value <= limit)
        print('SOAK target %s=%s %s=%s result=%s' % (
            name, fmt(value, digits), 'below' if below else 'at_most', limit,
            'met' if met else 'MISSED'))
    for name, ok in checks.items():
        print('SOAK check %s=%s' % (name, 'ok' if ok else 'FAIL'))
    failed_checks = [name for name, ok in checks.items() if not ok]
    if failed_checks:
        print('SOAK result=FAIL failed=%s' % ','.join(failed_checks), flush=True)
        return 1
    print('SOAK result=ok', flush=True)
    return 0
