# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 5, write: the one writer of assignments.

Decisions are written in batches of plain data (leads, followers, scores, log rows), on the
run's connection or, for the cron, on parallel connections. Assignments people choose (the
wizard) are written by ``_assign``, under the same lock.
"""
import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..routing import engine
from .crm_lead_router import (
    DIGEST_MAX_LINES,
    LOCK_WAIT_SECONDS,
    ROUTING_BATCH_SIZE,
    RoutingBatch,
    _testing,
)

_logger = logging.getLogger(__name__)


class CrmLeadRouterWrite(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _write(self, teams, decisions, reason, data, commit):
        """Write the decisions in batches: leads (with their refreshed scores), followers,
        log rows. The cron commits each batch, on parallel connections when
        ``crm_team_routing.parallel_writers`` allows it and there is more than one batch (see
        ``_write_parallel``). Returns False when the run stopped before its end."""
        now = data['now']
        # Refreshed scores not written yet: each batch takes those of its leads.
        scores = data['changed']
        # Who follows what is read once for the run, not once per batch.
        subscriptions = self.env['mail.followers']._routing_subscriptions(
            {d.team_id for d in decisions if d.kind in ('team', 'member')},
            {d.user_id for d in decisions if d.kind == 'member'})
        groups = engine.LeadGroups(decisions)
        batches = self._batches(decisions, groups, reason, data['company_of'], scores)
        # One batch gains nothing from a second connection.
        writers = self._parallel_writers() \
            if commit and not _testing() and len(groups) > ROUTING_BATCH_SIZE else 1
        if writers > 1:
            self._write_parallel(batches, subscriptions, now, writers)
        else:
            for batch in batches:
                self._write_batch(batch, subscriptions, now)
                if commit and not _testing():
                    # Each batch is a consistent unit (leads, followers, log rows): a run
                    # killed later keeps what is done and the next run finishes the rest.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        # Candidates no decision concerns (waiting in a team that routes none of them).
        self.env['crm.lead']._routing_write_scores(scores)
        # Once per run, not per batch: values computed from the leads before it (the teams'
        # counters, say) are stale now.
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return True

    def _batches(self, decisions, groups, reason, company_of, scores):
        """The decisions as batches of plain data, ready to be written anywhere: leads to
        teams and to salespeople, log rows (with their reasons), refreshed scores (taken out
        of ``scores``). ``groups``: the positions of each lead's decisions
        (``engine.LeadGroups``), leads in the order of their first decision. A batch's log
        rows and reasons are made when the batch is: the run never holds them all."""
        last_kind = self.env['crm.lead']._routing_last_log_kinds(
            [d.lead_id for d in decisions if d.kind == 'unassigned'])
        for start in range(0, len(groups), ROUTING_BATCH_SIZE):
            batch = RoutingBatch({}, {}, [], {})
            for group in range(start, min(start + ROUTING_BATCH_SIZE, len(groups))):
                lead_decisions = [decisions[position] for position in groups[group]]
                lead_id = lead_decisions[0].lead_id
                if lead_id in scores:
                    batch.scores[lead_id] = scores.pop(lead_id)
                for decision in lead_decisions:
                    if decision.kind == 'member':
                        batch.to_user[lead_id] = (decision.team_id, decision.user_id)
                        batch.to_team.pop(lead_id, None)
                    elif decision.kind == 'team':
                        batch.to_team[lead_id] = decision.team_id
                    elif last_kind.get(lead_id) == 'unassigned' and len(lead_decisions) == 1:
                        continue  # said already, and nothing changed since
                    batch.logs.append((lead_id, decision.team_id, decision.user_id,
                                       decision.kind, reason(decision), company_of[lead_id],
                                       self._decision_rule(decision)))
            yield batch

    def _write_batch(self, batch, subscriptions, now):
        """Write one batch in the current transaction: leads, followers, scores, log rows."""
        Lead = self.env['crm.lead']
        written = Lead._routing_write_assignment(batch.to_team, batch.to_user, now,
                                                 scores=batch.scores, subscriptions=subscriptions)
        Lead._routing_write_scores({lead_id: score for lead_id, score in batch.scores.items()
                                    if lead_id not in written})
        # A lead taken by someone else meanwhile was not written: nothing was decided here.
        self.env['crm.lead.assignment.log']._routing_insert(
            [row for row in batch.logs if row[3] == 'unassigned' or row[0] in written], now)

    @api.model
    def _parallel_writers(self):
        """Connections the cron writes its batches on (``crm_team_routing.parallel_writers``,
        default 2, at most 8; 1, or a value that is not a number, writes them one after the
        other on the cron's own connection)."""
        value = self.env['ir.config_parameter'].get_param(
            'crm_team_routing.parallel_writers', '2')
        try:
            return min(max(int(value), 1), 8)
        except ValueError:
            _logger.warning("crm_team_routing.parallel_writers is not a number: %r", value)
            return 1

    def _write_parallel(self, batches, subscriptions, now, writers):
        """Cron only: write the batches on ``writers`` connections of their own, each batch
        committed as one unit, while this thread prepares the next ones. Most of a run is
        PostgreSQL work (index entries, foreign key checks of followers and log rows): batches
        touch different leads, so several database processes do it side by side.

        This connection keeps the routing lock (session level) meanwhile and writes nothing:
        what it wrote before (refreshed scores, error notes) is committed first, so no writer
        waits on it. It commits again at the end, to see what the writers wrote. A batch that
        fails stops the run: the batches not started yet are cancelled, those running finish,
        every failure is logged and the first one raised. The batches committed stay, and the
        next run routes what is left.
        """
        self.env.cr.commit()  # pylint: disable=invalid-commit
        registry, uid, context = self.env.registry, self.env.uid, self.env.context

        def write(batch):
            threading.current_thread().dbname = registry.db_name  # for Odoo's log lines
            try:
                with api.Environment.manage(), registry.cursor() as cr:  # commits on success
                    env = api.Environment(cr, uid, context)
                    env[self._name]._write_batch(batch, subscriptions, now)
            except Exception:
                _logger.exception("Lead routing: a batch of %d leads failed",
                                  len(batch.to_team) + len(batch.to_user))
                raise

        pending = deque()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            try:
                for batch in batches:
                    pending.append(pool.submit(write, batch))
                    # A few batches ahead, not the whole run in memory.
                    while len(pending) > 2 * writers:
                        pending.popleft().result()
                while pending:
                    pending.popleft().result()
            except Exception:
                for future in pending:
                    future.cancel()
                raise
        # A new transaction, to see what the writers committed: the digests are made from it.
        self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _assign(self, to_team, to_user, reasons):
        """Write assignments a person chose (the wizard, whose ``_check_wizard_targets`` ran):
        ``to_team`` {lead_id: team_id}, ``to_user`` {lead_id: (team_id, user_id)},
        ``reasons`` {lead_id: reason (a ``routing.reasons`` node)}. Caps do not apply; what is
        assigned counts. Returns {lead_id: (team_id, user_id, company_id)} of the leads written."""
        if not self._lock_acquire(session=False, wait=LOCK_WAIT_SECONDS):
            raise UserError(_("Lead routing is already running; try again in a minute."))
        # The caller passed the gate: write as the system, in the caller's transaction.
        Lead = self.env['crm.lead'].sudo()
        now = fields.Datetime.now()
        lead_ids = list(to_team) + list(to_user)
        previous = Lead._routing_current_users(lead_ids)
        written = Lead._routing_write_assignment(to_team, to_user, now, force=True)
        self.env['crm.lead.assignment.log'].sudo()._routing_insert(
            [(lead_id, team_id, user_id, 'manual', reasons[lead_id], company_id)
             for lead_id, (team_id, user_id, company_id) in sorted(written.items())], now,
            notify=True, previous=previous)
        Lead.browse(list(written))._routing_unfollow_previous(previous)
        self.env['crm.lead.assignment.log'].sudo()._routing_send_digests(DIGEST_MAX_LINES)
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return written
