# The routing cron and the "Route leads" server action started together on the waiting leads
# (two threads, two workers): both must finish with no error, and one more run leaves nothing
# routable waiting.
import threading
import time

from .checks import assigned_twice, trigger_cron
from .config import ADMIN, LONG_TIMEOUT, RACE_QUOTA, say
from .measure import show_errors
from .rpc import Client, describe, returned_none


def race(admin, sql, setup, log, cron_id, action_id, lead_ids):
    """Capacities raised so that every waiting lead can be routed, then the routing cron and the
    "Route leads" server action started together on the waiting leads (two threads, two
    workers). Both must finish without error, in the RPC answer and in the server log; one
    more cron run then leaves no routable lead waiting, and nothing is assigned twice."""
    admin.call('crm.team.member', 'write', setup.members, {'assignment_max': RACE_QUOTA})
    waiting = [row[0] for row in sql.rows("""
        SELECT id FROM crm_lead WHERE id = ANY(%s) AND active AND user_id IS NULL ORDER BY id
    """, (lead_ids,))]
    routable = sql.value("""
        SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND country_id = ANY(%s)
    """, (waiting, setup.routing_country_ids))
    say("race: the routing cron and the 'Route leads' server action together on %d waiting "
        "leads (%d of them routable now: capacities raised to %d)"
        % (len(waiting), routable, RACE_QUOTA))
    mark = log.mark()
    barrier = threading.Barrier(2, timeout=60)
    outcome = {}

    def cron():
        client = Client(*ADMIN, timeout=LONG_TIMEOUT)
        barrier.wait()
        start = time.perf_counter()
        try:
            client.call('ir.cron', 'method_direct_trigger', [cron_id])
            outcome['cron'] = ('ok', time.perf_counter() - start)
        except Exception as error:
            outcome['cron'] = (describe(error), time.perf_counter() - start)

    def server_action():
        client = Client(*ADMIN, timeout=LONG_TIMEOUT)
        barrier.wait()
        start = time.perf_counter()
        try:
            client.call('ir.actions.server', 'run', [action_id], context={
                'active_model': 'crm.lead', 'active_ids': waiting,
                'active_id': waiting[0] if waiting else False})
            outcome['server_action'] = ('ok', time.perf_counter() - start)
        except Exception as error:
            outcome['server_action'] = (
                'ok' if returned_none(error) else describe(error), time.perf_counter() - start)

    threads = [threading.Thread(target=cron, daemon=True),
               threading.Thread(target=server_action, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG_TIMEOUT + 60)
    errors = log.errors(mark)
    retries = log.retries(mark)
    for name in ('cron', 'server_action'):
        status, seconds = outcome.get(name, ('did not finish', 0.0))
        say("  %s: %s (%.2f s)" % (name, status, seconds))
    say("  server log: %d errors, %d RPC retries (serialization failures retried)"
        % (len(errors), retries))
    show_errors(errors, 'server error')
    # What the server action may have left for the next run.
    trigger_cron(admin, cron_id)
    left = sql.value("""
        SELECT count(*) FROM crm_lead
         WHERE id = ANY(%s) AND active AND user_id IS NULL AND country_id = ANY(%s)
    """, (waiting, setup.routing_country_ids))
    twice = assigned_twice(sql)
    say("  after one more cron run: %d routable leads still waiting, %d assigned twice"
        % (left, len(twice)))
    ok = (outcome.get('cron', ('',))[0] == 'ok' and outcome.get('server_action', ('',))[0] == 'ok'
          and not errors and not left and not twice)
    return ok, len(waiting), retries, len(errors)
