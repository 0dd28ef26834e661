# Measures of a run, in this process only (the module is not touched): the SQL query counter,
# PhaseMeter (time, queries and peak memory of the engine's steps, by wrapping their methods for
# the run), SqlByCaller (BENCH_PROFILE: queries by the module's function that asked for them) and
# the two sets of steps measured, of the routing run and of the SLA run.
import functools
import sys
import threading
import time
from collections import OrderedDict, defaultdict

import odoo
from odoo.addons.crm_team_routing.routing import engine as routing_engine
from odoo.addons.crm_team_routing.routing import owner as routing_owner
from odoo.addons.crm_team_routing.routing import sla as routing_sla

from .config import OWNERS, peak_mb

DIGESTS = "digests (one message per salesperson)"
DECISIONS = "decision step (plain Python)"
SLA_NOTES = "notes (one per previous salesperson and team)"


def sql_queries(env):
    """Queries run so far by this process: Odoo adds a cursor's count to sql_counter on close."""
    return odoo.sql_db.sql_counter + env.cr.sql_log_count


class PhaseMeter(object):
    """Time, SQL queries and the process's peak memory at the end of the engine's steps, by
    wrapping their methods during the run.

    The wrappers live in this process only, for the run only: the module is not touched.
    """

    def __init__(self, env):
        self.env = env
        self.phases = OrderedDict()    # label -> [depth, calls, seconds, queries, peak MB]
        self._lock = threading.Lock()
        self._patched = []

    def wrap(self, owner, name, label, depth=0, required=False, threaded=False):
        """Measure ``owner.name`` under ``label``. A step the engine no longer has is left out
        of the report (its time counts as "other"), unless the report needs it."""
        function = getattr(owner, name, None)
        if function is None:
            if required:
                raise RuntimeError("the benchmark measures %s.%s, which no longer exists"
                                   % (getattr(owner, '_name', owner.__name__), name))
            return
        original = owner.__dict__.get(name)  # None: inherited, restored by deleting the wrapper
        stats = self.phases.setdefault(label, [depth, 0, 0.0, None if threaded else 0, 0.0])
        env = self.env

        @functools.wraps(function)  # keeps Odoo's api decorations (_api)
        def measured(*args, **kwargs):
            start, queries = time.perf_counter(), sql_queries(env)
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:  # writer threads report side by side
                    stats[1] += 1
                    stats[2] += time.perf_counter() - start
                    if stats[3] is not None:
                        stats[3] += sql_queries(env) - queries
                    stats[4] = peak_mb()

        setattr(owner, name, measured)
        self._patched.append((owner, name, original))

    def restore(self):
        for owner, name, original in reversed(self._patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._patched = []

    def top_level(self):
        return [stats for stats in self.phases.values() if stats[0] == 0]


class SqlByCaller(object):
    """With BENCH_PROFILE: the queries of a run and their time, by the module's function that
    asked for them (the nearest frame in crm_team_routing), the ORM's included."""

    def __init__(self):
        self.stats = defaultdict(lambda: [0, 0.0])
        self.original = odoo.sql_db.Cursor.execute
        original, stats = self.original, self.stats

        def execute(cursor, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(cursor, *args, **kwargs)
            finally:
                frame, caller = sys._getframe(1), '(outside the module)'
                while frame:
                    name = frame.f_code.co_filename
                    if '/crm_team_routing/' in name:
                        caller = '%s:%s' % (name.rsplit('/', 1)[-1], frame.f_code.co_name)
                        break
                    frame = frame.f_back
                entry = stats[caller]
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        odoo.sql_db.Cursor.execute = execute

    def restore(self):
        odoo.sql_db.Cursor.execute = self.original

    def report(self, lines):
        print("  SQL by caller: queries, seconds")
        for caller, (count, seconds) in sorted(self.stats.items(),
                                               key=lambda item: -item[1][1])[:lines]:
            print("  %-60s %6d %8.3f" % (caller, count, seconds))
        print()


def install_meter(env):
    models = {name: type(env[name]) for name in (
        'crm.lead.router', 'crm.lead', 'crm.lead.scoring.rule', 'mail.followers',
        'crm.lead.assignment.log')}
    meter = PhaseMeter(env)
    meter.wrap(models['crm.lead.scoring.rule'], '_routing_scores', "scores: one search per rule")
    meter.wrap(models['crm.lead.router'], '_read_states', "team and member states (filters, loads)")
    meter.wrap(type(env['crm.team.member']), '_routing_availability',
               "absences, working hours, quotas", 1)
    meter.wrap(models['crm.lead.router'], '_read_phase1_ids', "leads waiting for a team")
    meter.wrap(models['crm.lead.router'], '_read_owners',
               "existing owners: keys, records, stoplist, seats")
    meter.wrap(models['crm.lead.router'], '_decide', DECISIONS, required=True)
    if OWNERS:
        meter.wrap(routing_owner, 'route', "owner step, then the engine", 1)
        meter.wrap(routing_engine, 'route', "phases 1 and 2", 2)
    else:
        meter.wrap(routing_engine, 'route', "phases 1 and 2", 1)
    meter.wrap(models['crm.lead.router'], '_write', "writes, in batches with commits")
    meter.wrap(models['crm.lead'], '_routing_last_log_kinds', "last log kinds", 1)
    meter.wrap(models['mail.followers'], '_routing_subscriptions', "who follows (read once)", 1)
    # The batches run on parallel connections: their phases add up the time of all writers,
    # and their queries are counted in the total only (the counter is per connection).
    meter.wrap(models['crm.lead.router'], '_write_batch', "batches (time summed over writers)",
               1, threaded=True)
    meter.wrap(models['crm.lead.router'], '_write_leads', "lead updates and followers", 2,
               threaded=True)
    meter.wrap(models['mail.followers'], '_routing_subscribe',
               "followers (salespeople, team)", 3, threaded=True)
    meter.wrap(models['crm.lead.assignment.log'], '_routing_insert', "log rows", 2,
               threaded=True)
    meter.wrap(models['crm.lead.router'], '_notify', DIGESTS, required=True)
    return meter


def install_sla_meter(env):
    models = {name: type(env[name]) for name in (
        'crm.lead.router', 'crm.lead', 'mail.followers', 'crm.lead.assignment.log')}
    router = models['crm.lead.router']
    meter = PhaseMeter(env)
    meter.wrap(router, '_read_sla', "overdue leads, holders, states", required=True)
    meter.wrap(router, '_read_states', "team and member states (filters, loads)", 1)
    meter.wrap(routing_sla, 'decide', "decisions (plain Python)")
    meter.wrap(router, '_write_sla', "writes (one transaction)", required=True)
    meter.wrap(models['crm.lead.router'], '_write_takeback', "guarded lead update", 1)
    meter.wrap(models['mail.followers'], '_routing_subscribe', "followers (new salespeople)", 1)
    meter.wrap(models['crm.lead'], '_routing_unfollow_previous', "unfollow (previous ones)", 1)
    meter.wrap(models['crm.lead.assignment.log'], '_routing_insert', "log rows", 1)
    meter.wrap(router, '_notify', DIGESTS, required=True)
    meter.wrap(router, '_notify_sla', SLA_NOTES, required=True)
    return meter
