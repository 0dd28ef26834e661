# The soak's course: set-up, the creation phases A and B (server 1) and C (both servers), one
# more cron run and the invariants, the race, the import, the hand edits during a routing run;
# then the summary (report.py builds it from what each part returned) and the exit code.
import time
import xmlrpc.client
from datetime import datetime, timedelta

from . import report
from .checks import (
    assigned_twice, lost_leads, quotas_exceeded, routing_lags, trigger_cron)
from .config import (
    ACTION_XMLID, ADMIN, CLIENTS, CRON_EVERY, CRON_THREAD_MINUTES, CRON_XMLID, JOIN_EVERY,
    LONG_TIMEOUT, SECONDS, SERVER_LOG, SERVER_LOG2, SHOW, TEAMS, URL, URL2, say)
from .handedits import hand_edits
from .imports import import_timing
from .measure import ServerLog
from .phases import report_phase, run_phase
from .race import race
from .rpc import Client, Sql
from .setup import Setup


def schedule_cron(admin, cron_id, due):
    """The routing job as the servers' cron threads see it: due now and every minute (phase C),
    or not before tomorrow (the other phases trigger it themselves). Odoo refuses to write a
    job a cron thread is running ("cannot be modified right now"): tried again until that run
    ends; once written, no cron thread starts it before its new date."""
    deadline = time.time() + LONG_TIMEOUT
    while True:
        now = datetime.utcnow()
        try:
            admin.call('ir.cron', 'write', [cron_id], {
                'interval_number': CRON_THREAD_MINUTES if due else 15,
                'interval_type': 'minutes',
                'nextcall': (now if due else now + timedelta(days=1)).strftime(
                    '%Y-%m-%d %H:%M:%S')})
            return
        except xmlrpc.client.Fault as error:
            if 'cannot be modified right now' not in str(error.faultString) \
                    or time.time() > deadline:
                raise
            time.sleep(1)


def creation_phases(admin, setup, logs, cron_id, cron_name):
    """A: route-on-create off; B: on; both on server 1 with the cron every CRON_EVERY seconds
    and a salesperson joining every JOIN_EVERY seconds; A's leads are archived before B. C: as
    B with the clients spread over the two servers, the cron triggered on each in turn, and the
    servers' cron threads running the routing job too."""
    on_create = [name for name, _codes, on in TEAMS if on]
    phases, errors, retries = [], 0, 0
    for label, switch, urls in (('A', False, [URL]), ('B', True, [URL]), ('C', True, [URL, URL2])):
        setup.set_on_create(on_create, switch)
        say("phase %s: %d clients for %d s on %s, route-on-create %s for %s, routing cron "
            "every %.0f s, a salesperson joining one of them every %.0f s" % (
                label, CLIENTS, SECONDS, 'server 1' if len(urls) == 1 else 'both servers',
                'on' if switch else 'off', ' and '.join(on_create), CRON_EVERY, JOIN_EVERY))
        if label == 'C':
            say("  the routing job due every %d minute(s) for both servers' cron threads"
                % CRON_THREAD_MINUTES)
            schedule_cron(admin, cron_id, due=True)
        marks = [log.mark() for log in logs]
        phase = run_phase(label, setup, cron_id, urls, setup.joiners[label])
        if label == 'C':
            schedule_cron(admin, cron_id, due=False)
            phase.cron_threads = [log.cron_jobs(mark, cron_name)
                                  for log, mark in zip(logs, marks)]
        phase_errors, phase_retries = report_phase(phase, logs, marks)
        if label == 'C':
            say("  routing job started by the cron threads: %d on server 1, %d on server 2"
                % tuple(phase.cron_threads))
        errors += len(phase_errors)
        retries += phase_retries
        phases.append(phase)
        if label == 'A':
            # Set aside, so that phase B starts as A did, with no lead waiting: else each cron
            # run of B would also go through A's waiting leads, and hold the lock longer.
            for start in range(0, len(phase.ids), 1000):
                admin.call('crm.lead', 'write', phase.ids[start:start + 1000], {'active': False},
                           context={'tracking_disable': True})
    return phases, errors, retries


def invariants(admin, sql, setup, phases, cron_id):
    say("one more routing cron run to finish the work (%.1f s)" % trigger_cron(admin, cron_id))
    twice = assigned_twice(sql)
    exceeded = quotas_exceeded(sql)
    missing, stranded = lost_leads(sql, setup, phases)
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
    return {'twice': twice, 'exceeded': exceeded, 'missing': missing, 'stranded': stranded,
            'lags': {phase.label: routing_lags(sql, phase.ids) for phase in phases}}


def main():
    started = time.perf_counter()
    logs = [ServerLog(SERVER_LOG), ServerLog(SERVER_LOG2)]
    sql = Sql()
    admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    setup = Setup(admin)
    setup.build()
    cron_id = admin.ref(CRON_XMLID)
    action_id = admin.ref(ACTION_XMLID)
    cron_name = admin.call('ir.cron', 'read', [cron_id], ['cron_name'])[0]['cron_name']
    schedule_cron(admin, cron_id, due=False)

    phases, errors, retries = creation_phases(admin, setup, logs, cron_id, cron_name)
    checked = invariants(admin, sql, setup, phases, cron_id)
    race_result = race(admin, sql, setup, logs[0], cron_id, action_id,
                       [lead_id for phase in phases for lead_id in phase.ids])
    import_result = import_timing(admin, sql, setup, logs[0])
    edits = hand_edits(admin, sql, setup, logs)
    return report.summary(phases, errors, retries, checked, race_result, import_result, edits,
                          time.perf_counter() - started)
