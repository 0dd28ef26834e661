# The creation phases: CLIENTS creators over XML-RPC for SECONDS, spread over the phase's servers,
# the routing cron triggered every CRON_EVERY seconds (on each server in turn) and a salesperson
# joining a route-on-create team every JOIN_EVERY seconds; report_phase prints what a phase saw.
import random
import threading
import time
import xmlrpc.client

from .config import (
    ADMIN, CLIENTS, COUNTRIES, CRON_EVERY, JOIN_EVERY, LONG_TIMEOUT, QUOTA, SECONDS, TEAMS, URL,
    URL2, say)
from .measure import Phase, fmt, ms, percentile, show_errors
from .rpc import Client

# Countries of the teams routing on creation (phases B and C): their leads' latencies are also
# shown apart, in every phase.
ON_CREATE_CODES = {code for _name, codes, on in TEAMS if on for code in codes}


def creator(number, credentials, phase, deadline, country_ids, url):
    try:
        client = Client(*credentials, url=url)
    except Exception as error:  # counted, the phase goes on with the other clients
        phase.fail(phase.failures, error)
        return
    rng = random.Random('%s-%d' % (phase.label, number))  # the same leads at every soak
    codes = [code for code, weight in COUNTRIES for _i in range(weight)]
    sequence = 0
    while time.time() < deadline:
        sequence += 1
        code = rng.choice(codes)
        vals = {
            'name': 'Soak %s %02d-%05d %s' % (phase.label, number, sequence, code),
            'type': 'lead',
            'user_id': False,
            'country_id': country_ids[code],
            'contact_name': 'Contact %s %d %d' % (phase.label, number, sequence),
            'email_from': 'soak.%s.%d.%d@example.com' % (phase.label.lower(), number, sequence),
        }
        start = time.perf_counter()
        try:
            lead_id = client.call('crm.lead', 'create', vals)
        except Exception as error:
            phase.fail(phase.failures, error)
            if not isinstance(error, xmlrpc.client.Fault):
                time.sleep(0.5)  # the server is unreachable: do not spin
        else:
            with phase.lock:
                phase.ids.append(lead_id)
                phase.created_by_server[url] += 1
        finally:
            latency = time.perf_counter() - start
            with phase.lock:
                phase.latencies.append(latency)
                phase.by_kind['on_create' if code in ON_CREATE_CODES else 'other'].append(latency)
                phase.by_server.setdefault(url, []).append(latency)


def cron_loop(phase, deadline, cron_id, urls):
    """The routing cron every CRON_EVERY seconds, triggered on each server in turn."""
    try:
        admins = [Client(*ADMIN, timeout=LONG_TIMEOUT, url=url) for url in urls]
    except Exception as error:
        phase.fail(phase.cron_failures, error)
        return
    turn = 0
    while time.time() < deadline:
        start = time.perf_counter()
        try:
            admins[turn % len(admins)].call('ir.cron', 'method_direct_trigger', [cron_id])
        except Exception as error:
            phase.fail(phase.cron_failures, error)
        turn += 1
        with phase.lock:
            phase.cron_runs.append(time.perf_counter() - start)
        time.sleep(max(0.0, CRON_EVERY - (time.perf_counter() - start)))


def join_loop(phase, deadline, setup, team_names, joiners):
    """A salesperson joins a route-on-create team (in turn) every JOIN_EVERY seconds, half way
    between two cron runs, with the same capacity as the others."""
    try:
        admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    except Exception as error:
        phase.fail(phase.join_failures, error)
        return
    start = time.time()
    for index, user_id in enumerate(joiners):
        time.sleep(max(0.0, start + JOIN_EVERY / 2 + index * JOIN_EVERY - time.time()))
        if time.time() > deadline - JOIN_EVERY / 2:
            break
        try:
            setup.member(setup.teams[team_names[index % len(team_names)]], user_id, QUOTA,
                         client=admin)
        except Exception as error:
            phase.fail(phase.join_failures, error)
        else:
            with phase.lock:
                phase.joins += 1


def run_phase(label, setup, cron_id, urls, joiners):
    """CLIENTS creators (client n on server n mod len(urls)), the cron loop and the joiners."""
    phase = Phase(label)
    deadline = time.time() + SECONDS
    threads = [threading.Thread(target=creator, name='%s-%d' % (label, number), daemon=True,
                                args=(number, setup.creators[number % len(setup.creators)],
                                      phase, deadline, setup.country,
                                      urls[number % len(urls)]))
               for number in range(CLIENTS)]
    threads.append(threading.Thread(target=cron_loop, name='%s-cron' % label, daemon=True,
                                    args=(phase, deadline, cron_id, urls)))
    threads.append(threading.Thread(
        target=join_loop, name='%s-join' % label, daemon=True,
        args=(phase, deadline, setup, [name for name, _codes, on in TEAMS if on], joiners)))
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A call started before the deadline may take up to its timeout.
        thread.join(max(1.0, deadline + LONG_TIMEOUT + 30 - time.time()))
    phase.seconds = time.perf_counter() - start
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        say("WARNING: threads still waiting for the server: %s" % ', '.join(stuck))
    return phase


def report_phase(phase, logs, marks):
    """What the phase saw, and the errors and retried calls in the logs of its servers."""
    errors = [error for log, mark in zip(logs, marks) for error in log.errors(mark)]
    retries = sum(log.retries(mark) for log, mark in zip(logs, marks))
    say("phase %s: %d created in %.0f s (%.1f/s), %d failed; create p50 %s ms, p99 %s ms; "
        "%d routing cron runs (%d failed); %d salespeople joined; server log: %d errors, "
        "%d RPC retries" % (
            phase.label, len(phase.ids), phase.seconds, len(phase.ids) / max(phase.seconds, 1),
            phase.failed, fmt(ms(percentile(phase.latencies, 50))),
            fmt(ms(percentile(phase.latencies, 99))), len(phase.cron_runs),
            sum(phase.cron_failures.values()), phase.joins, len(errors), retries))
    for kind, what in (('on_create', 'matching a route-on-create team'),
                       ('other', 'matching none')):
        values = phase.by_kind[kind]
        say("  leads %s: %d creations, p50 %s ms, p99 %s ms" % (
            what, len(values), fmt(ms(percentile(values, 50))),
            fmt(ms(percentile(values, 99)))))
    if len(phase.by_server) > 1:
        for number, url in enumerate((URL, URL2), 1):
            values = phase.by_server.get(url, [])
            say("  server %d: %d created, p50 %s ms, p99 %s ms" % (
                number, phase.created_by_server[url], fmt(ms(percentile(values, 50))),
                fmt(ms(percentile(values, 99)))))
    phase.show_failures(phase.failures, 'failed creation')
    phase.show_failures(phase.cron_failures, 'failed cron run')
    phase.show_failures(phase.join_failures, 'failed join')
    show_errors(errors, 'server error')
    return errors, retries
