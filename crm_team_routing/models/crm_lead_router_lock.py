# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Transactions and the routing lock.

A writing run holds the routing lock (a PostgreSQL advisory lock, ``ROUTING_LOCK_KEY``) at
session level, then commits: its REPEATABLE READ snapshot is taken once the lock is held. The
buttons and the wizard run in a transaction of their own; route-on-create and the server action
run once the transaction that created the leads is committed (``cr.after('commit')``).
"""
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api, models

from .crm_lead_router import (
    LEFT_WAITING_MAX, LOCK_POLL_SECONDS, LOCK_WAIT_SECONDS, MODES, ROUTING_LOCK_KEY,
)

_logger = logging.getLogger(__name__)


class Dispatcher(object):
    """Runs the routing of committed creations on a thread of its own, one per process and
    database, instead of the thread that committed them (a web request): the request returns
    at once, and while a run goes on the leads of the next transactions gather into the next
    run (one run for many creations under load). A process that stops meanwhile (a worker
    recycled) loses nothing: the leads wait for the next route-on-create run or the cron."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}   # database name: {(mode, team ids, companies): lead ids}
        self.threads = {}   # database name: the thread draining its pending work

    def submit(self, registry, model, work):
        with self.lock:
            queue = self.pending.setdefault(registry.db_name, OrderedDict())
            for key, lead_ids in work.items():
                queue.setdefault(key, set()).update(lead_ids)
            thread = self.threads.get(registry.db_name)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=self._drain, args=(registry, model),
                                          name='crm_team_routing %s' % registry.db_name)
                thread.daemon = True
                self.threads[registry.db_name] = thread
                thread.start()

    def _drain(self, registry, model):
        threading.current_thread().dbname = registry.db_name  # for Odoo's log lines
        while True:
            with self.lock:
                work = self.pending.pop(registry.db_name, None)
                if not work:
                    self.threads.pop(registry.db_name, None)
                    return
            for (mode, team_ids, context_items), lead_ids in work.items():
                context = {key: list(value) if isinstance(value, tuple) else value
                           for key, value in context_items}
                try:
                    with api.Environment.manage(), registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, context)
                        env[model]._run(env['crm.team'].browse(team_ids),
                                        env['crm.lead'].browse(sorted(lead_ids)), mode)
                except Exception:
                    _logger.exception("Lead routing (%s) of %d leads failed; the scheduled "
                                      "action will route them", mode, len(lead_ids))


DISPATCHER = Dispatcher()


class CrmLeadRouterLock(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _route_in_own_transaction(self, teams, leads, mode):
        """Run in a transaction of its own, committed at the end, whose snapshot is taken once
        the lock is held; the caller's transaction does not see what it wrote, so its cache is
        cleared."""
        registry, context = self.env.registry, self.env.context
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            result = env[self._name]._run(
                teams.with_env(env), leads.with_env(env) if leads is not None else None, mode)
        # What the caller's transaction cached of those leads is stale now.
        self.invalidate_cache()
        return result

    def _route_after_commit(self, teams, leads, mode):
        """Route once the current transaction is committed, in a new one, off the committing
        thread: the leads it created exist for the run, the run can never make their creation
        fail, and the request that created them (a web form, an import) returns without
        waiting for it. All the leads of one transaction are routed together, one run per
        mode; under load, the leads of many transactions are (``DISPATCHER``)."""
        cr = self.env.cr
        pending = getattr(cr, '_crm_team_routing_pending', None)
        if pending is None:
            pending = cr._crm_team_routing_pending = OrderedDict()
            registry, name = self.env.registry, self._name

            def run():
                work = cr.__dict__.pop('_crm_team_routing_pending', {})
                if work:
                    DISPATCHER.submit(registry, name, work)

            def forget():
                cr.__dict__.pop('_crm_team_routing_pending', None)

            cr.after('commit', run)
            cr.after('rollback', forget)
        key = (mode, tuple(sorted(teams.ids)), self._after_commit_context(mode))
        pending.setdefault(key, set()).update(leads.ids if leads is not None else ())

    def _after_commit_context(self, mode):
        """What a run after commit keeps of its caller's context, as a tuple of (key, value)
        items (lists as tuples): the leads of runs with the same items are routed together.
        Here the companies the gate allowed."""
        companies = self.env.context.get('crm_team_routing_companies')
        if companies is None:
            return ()
        return (('crm_team_routing_companies', tuple(companies)),)

    @contextmanager
    def _lock(self, mode):
        """Hold the routing lock for the run; yield False when another run holds it.

        Outside tests a run holds the lock at session level and commits once it has it: the
        transaction that reads loads then starts after the lock is held (REPEATABLE READ).
        The lock is released after the run's last commit, or with the connection if the
        process dies. Tests take it for their transaction, which never commits.
        """
        spec = MODES[mode]
        if spec.busy is None:
            yield True
            return
        cr = self.env.cr
        session = self._routing_transactions()
        # A person pressing a button waits a few seconds; a creation never waits: its leads are
        # left to the next route-on-create run or the cron ('leave').
        wait = LOCK_WAIT_SECONDS if spec.busy == 'raise' else 0.0
        if not self._lock_acquire(session, wait):
            yield False
            return
        if not session:
            yield True
            return
        try:
            # A new transaction, hence a snapshot taken with the lock held.
            cr.commit()  # pylint: disable=invalid-commit
            yield True
            # What the run wrote is committed before the next run may take the lock.
            cr.commit()  # pylint: disable=invalid-commit
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s)", (ROUTING_LOCK_KEY,))

    def _lock_acquire(self, session, wait):
        """Try the lock, polling for ``wait`` seconds: a blocking wait would take the
        snapshot before the lock is held."""
        deadline = time.time() + wait
        while True:
            if session:
                self.env.cr.execute("SELECT pg_try_advisory_lock(%s)", (ROUTING_LOCK_KEY,))
            else:
                self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
            if self.env.cr.fetchone()[0]:
                return True
            if time.time() >= deadline:
                return False
            time.sleep(LOCK_POLL_SECONDS)

    def _left_waiting(self, teams, leads):
        """``leads`` and the leads earlier route-on-create runs left waiting because another
        run held the lock (a creation never waits), which the cron has not routed yet either:
        candidates created in the last day in the companies of ``teams``, before ``leads``,
        that no run has looked at (no log row). One query, on the candidates' index."""
        company_ids = teams.mapped('company_id').ids
        self.env.cr.execute("""
            SELECT lead.id FROM crm_lead lead
              LEFT JOIN crm_team team ON team.id = lead.team_id
             WHERE lead.user_id IS NULL AND lead.active AND coalesce(lead.probability, 0) < 100
               AND (lead.team_id IS NULL OR team.assignment_intake)
               AND lead.create_date > %(now)s::timestamp - interval '1 day'
               AND lead.id < %(first)s
               AND (%(any_company)s OR lead.company_id IS NULL
                    OR lead.company_id = ANY(%(companies)s))
               AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log log
                                WHERE log.lead_id = lead.id)
             ORDER BY lead.id DESC LIMIT %(limit)s
        """, {'now': self._now(), 'first': min(leads.ids), 'companies': company_ids,
              'any_company': not all(teams.mapped('company_id')), 'limit': LEFT_WAITING_MAX})
        return leads | leads.browse([row[0] for row in self.env.cr.fetchall()])
