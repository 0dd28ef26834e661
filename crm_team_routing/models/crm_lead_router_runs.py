# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Runs you can see: each run of the cron, the SLA cron, the buttons, the wizard and the server
actions writes a ``crm.lead.routing.run`` on a cursor of its own, once when it holds the lock
(``running``) and once at its end (``done``, ``failed`` with the error) — two statements a run.
A run that did not get the lock writes one ``skipped`` record. Route-on-create is recorded only
when it fails or is skipped. In a test's transaction (``_routing_transactions`` False) the
records are written in the caller's transaction, never committed."""
import logging
import time
import traceback
from contextlib import contextmanager

from odoo import api, fields, models

from .crm_lead_router import RoutingResult

_logger = logging.getLogger(__name__)

# The modes that leave a record (a preview writes nothing and is not a run).
RECORDED_MODES = ('cron', 'sla', 'button', 'wizard', 'server_action', 'create', 'hand_back')
# Modes recorded only when they fail or are skipped.
QUIET_MODES = ('create',)


class CrmLeadRouterRuns(models.AbstractModel):
    _inherit = 'crm.lead.router'

    @api.model
    def _route(self, teams, leads=None, mode='cron'):
        # Who started the run, kept across the own transaction (run as the superuser).
        return super(CrmLeadRouterRuns, self._started_by(self.env.uid))._route(
            teams, leads=leads, mode=mode)

    @api.model
    def _started_by(self, user_id):
        """The router, recording ``user_id`` as who started its runs ("Started By"), unless
        its caller said already: a person's action that routes as the system once its rights
        were checked (a hand-back, the server action) says who they are first."""
        if 'crm_team_routing_run_uid' in self.env.context:
            return self
        return self.with_context(crm_team_routing_run_uid=user_id)

    def _after_commit_context(self, mode):
        items = super(CrmLeadRouterRuns, self)._after_commit_context(mode)
        user_id = self.env.context.get('crm_team_routing_run_uid')
        if user_id and mode not in QUIET_MODES:
            # The person who started it; route-on-create's runs of many people's transactions
            # are routed together, as the system.
            items += (('crm_team_routing_run_uid', user_id),)
        return items

    def _run(self, teams, leads, mode):
        if mode not in RECORDED_MODES:
            return super(CrmLeadRouterRuns, self)._run(teams, leads, mode)
        self = self.with_context(crm_team_routing_run_start=(fields.Datetime.now(), time.time()),
                                 crm_team_routing_run_teams=teams.ids)
        return super(CrmLeadRouterRuns, self)._run(teams, leads, mode)

    @contextmanager
    def _lock(self, mode):
        with super(CrmLeadRouterRuns, self)._lock(mode) as locked:
            if not locked and mode in RECORDED_MODES:
                # Another run holds the lock: this one does nothing (a button says so).
                start = (self.env.context.get('crm_team_routing_run_start')
                         or (None, time.time()))[1]
                self._routing_run_write(None, mode, self._context_teams(), start, 'skipped',
                                        RoutingResult())
            yield locked

    def _run_stages(self, teams, leads, mode, result):
        if mode not in RECORDED_MODES:
            return super(CrmLeadRouterRuns, self)._run_stages(teams, leads, mode, result)
        date, start = self.env.context.get('crm_team_routing_run_start') or (
            fields.Datetime.now(), time.time())
        # Under the lock: a record still 'running' while the lock is free was interrupted.
        run_id = None if mode in QUIET_MODES else self._routing_run_write(
            None, mode, teams, start, 'running', result, date=date)
        try:
            res = super(CrmLeadRouterRuns, self)._run_stages(teams, leads, mode, result)
        except Exception:
            self._routing_run_write(run_id, mode, teams, start, 'failed', result, date=date,
                                    error=traceback.format_exc(limit=20))
            raise
        if run_id:
            self._routing_run_write(run_id, mode, teams, start, 'done', result)
        return res

    def _context_teams(self):
        return self.env['crm.team'].browse(self.env.context.get('crm_team_routing_run_teams', []))

    def _read(self, teams, leads, mode, result):
        data = super(CrmLeadRouterRuns, self)._read(teams, leads, mode, result)
        result.lead_count = len(data['leads']) if data else 0
        return data

    def _read_sla(self, teams, result):
        data = super(CrmLeadRouterRuns, self)._read_sla(teams, result)
        result.lead_count = len(data['leads']) if data else 0
        return data

    @contextmanager
    def _routing_run_cursor(self):
        """The cursor a run record is written on: one of its own, committed at once, so the
        record outlives a run killed or rolled back; the caller's in a test's transaction."""
        if not self._routing_transactions():
            yield self.env.cr
            return
        with api.Environment.manage(), self.env.registry.cursor() as cr:
            yield cr

    def _routing_run_write(self, run_id, mode, teams, start, state, result, date=None,
                           error=None):
        """Insert (``run_id`` None) or update a run record: one statement (the teams of a new
        record go with it, in the same statement). Returns the record's id. Never makes the
        run fail: a record that cannot be written is logged."""
        taken = result.assigned if mode == 'sla' else 0
        leads = getattr(result, 'lead_count', 0) or 0
        values = {
            'id': run_id, 'mode': mode, 'date': date or fields.Datetime.now(),
            'uid': self.env.context.get('crm_team_routing_run_uid', self.env.uid),
            'teams': list(teams.ids), 'state': state,
            'duration': round(time.time() - start, 3),
            'leads': leads,
            'team_count': sum(result.team_counts.values()),
            'members': result.assigned, 'taken': taken,
            # The run's leads left without salesperson: those it looked at and gave nobody.
            'waiting': max(leads - result.assigned, result.unassigned) if state != 'running'
            else 0,
            'error': error,
        }
        try:
            with self._routing_run_cursor() as cr:
                if run_id:
                    cr.execute("""
                        UPDATE crm_lead_routing_run
                           SET state = %(state)s, duration = %(duration)s,
                               lead_count = %(leads)s, team_count = %(team_count)s,
                               member_count = %(members)s, waiting_count = %(waiting)s,
                               takeback_count = %(taken)s, error = %(error)s
                         WHERE id = %(id)s
                    """, values)
                    return run_id
                cr.execute("""
                    WITH run AS (
                        INSERT INTO crm_lead_routing_run
                               (mode, user_id, date_start, duration, state, lead_count,
                                team_count, member_count, waiting_count, takeback_count, error)
                        VALUES (%(mode)s, %(uid)s, %(date)s, %(duration)s, %(state)s,
                                %(leads)s, %(team_count)s, %(members)s, %(waiting)s,
                                %(taken)s, %(error)s)
                        RETURNING id),
                    teams AS (
                        INSERT INTO crm_lead_routing_run_team_rel (run_id, team_id)
                        SELECT run.id, team_id FROM run, unnest(%(teams)s::int[]) AS team_id)
                    SELECT id FROM run
                """, values)
                return cr.fetchone()[0]
        except Exception:
            _logger.exception("Lead routing (%s): the run record could not be written", mode)
            return run_id
        finally:
            self.env['crm.lead.routing.run'].invalidate_cache()
