# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 5, write: the one writer of assignments and take-backs.

Every change of a lead's team or salesperson that routing, the SLA or the mass assignment makes
goes through one SQL builder (``_write_leads``) with its guard: routing writes a lead only if it
is still active, not won, still in the team it was decided for and still without salesperson; a
take-back only if the lead is still with the salesperson, as assigned then, and untouched; a
release (``_write_release``: leads handed back or re-routed) only if the lead is still with that
salesperson, in that team, active and not won. A lead a person changed meanwhile is left alone,
without error and without stopping the run (the next run sees it).

Decisions are written in batches of plain data (leads, followers, scores, log rows). Outside
tests each batch is written and committed on a connection of its own in READ COMMITTED: the
guard is then evaluated on the lead as it is when written, never on the run's snapshot, and a
person's concurrent change cannot make the run fail with a serialization error. The cron writes
on several such connections at once (``crm_team_routing.parallel_writers``).
"""
import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from psycopg2.extensions import TransactionRollbackError

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..routing import engine
from .crm_lead_router import (
    DIGEST_MAX_LINES,
    LOCK_WAIT_SECONDS,
    ROUTING_BATCH_SIZE,
    RoutingBatch,
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
        batches = self._batches(decisions, groups, reason, data['company_of'],
                                data.get('team_of', {}), scores)
        if not self._routing_transactions():
            # Tests never commit: the batches are written in the test's transaction.
            for batch in batches:
                self._write_batch(batch, subscriptions, now)
        else:
            # One batch gains nothing from a second connection.
            writers = self._parallel_writers() \
                if commit and len(groups) > ROUTING_BATCH_SIZE else 1
            self._write_parallel(batches, subscriptions, now, writers)
        # Candidates no decision concerns (waiting in a team that routes none of them).
        self._write_scores(scores)
        # Once per run, not per batch: values computed from the leads before it (the teams'
        # counters, say) are stale now.
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return True

    def _batches(self, decisions, groups, reason, company_of, team_of, scores):
        """The decisions as batches of plain data, ready to be written anywhere: leads to
        teams and to salespeople, log rows (with their reasons), refreshed scores (taken out
        of ``scores``). ``groups``: the positions of each lead's decisions
        (``engine.LeadGroups``), leads in the order of their first decision. A batch's log
        rows and reasons are made when the batch is: the run never holds them all."""
        last_kind = self.env['crm.lead']._routing_last_log_kinds(
            [d.lead_id for d in decisions if d.kind == 'unassigned'])
        for start in range(0, len(groups), ROUTING_BATCH_SIZE):
            batch = RoutingBatch({}, {}, [], {}, {})
            for group in range(start, min(start + ROUTING_BATCH_SIZE, len(groups))):
                lead_decisions = [decisions[position] for position in groups[group]]
                lead_id = lead_decisions[0].lead_id
                # The team the lead was read in: it is written only if it is still there.
                batch.expected[lead_id] = team_of.get(lead_id)
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
        # The follow-up ladder: the activities planned, their due dates written with the leads.
        planned = self._ladder_plan_batch(batch.to_user, now)
        written = self._write_leads(batch.to_team, batch.to_user, now, expected=batch.expected,
                                    scores=batch.scores, subscriptions=subscriptions,
                                    deadlines={lead_id: row[3]
                                               for lead_id, row in planned.items()})
        self._write_scores({lead_id: score for lead_id, score in batch.scores.items()
                            if lead_id not in written})
        self.env['mail.activity']._routing_insert(
            [row for lead_id, row in planned.items()
             if lead_id in written and written[lead_id][1] == row[1]], self.env.uid, now,
            sync=False)
        # A lead a person changed meanwhile was not written: nothing was decided here.
        self.env['crm.lead.assignment.log']._routing_insert(
            [row for row in batch.logs if row[3] == 'unassigned' or row[0] in written], now)

    # ------------------------------------------------------------------------------------------
    # The SQL: one builder, one guard
    # ------------------------------------------------------------------------------------------

    @api.model
    def _write_leads(self, to_team, to_user, now, expected=None, force=False, scores=None,
                     subscriptions=None, deadlines=None):
        """Bulk equivalent of setting team and salesperson by hand, guarded.

        :param to_team: {lead_id: team_id} leads entering a team without salesperson
        :param to_user: {lead_id: (team_id, user_id)} leads given to a salesperson
        :param expected: {lead_id: team_id or None} the team each lead was decided in: routing
            writes a lead only if it is still active, not won, in that team and without
            salesperson (a lead missing here: its team is not checked)
        :param force: a person's choice (the mass assignment): written whatever the lead's
            salesperson and team
        :param scores: {lead_id: score} refreshed scores to write in the same statement
        :param subscriptions: the followers to add, from ``mail.followers._routing_subscriptions``
            (a routing run reads them once for all its batches); read here when not given
        :param deadlines: {lead_id: due date string} of the follow-up activities the caller adds
            to the leads written: their stored next deadline, in the same statement
        :return: {lead_id: (team_id, user_id, company_id)} of the leads actually written
        """
        if not to_team and not to_user:
            return {}
        # One statement for the batch; the rows travel as arrays. "lead.id = ANY(ids)" lets
        # PostgreSQL fetch the batch's leads by index instead of hashing the whole table.
        rows = [(lead_id, team_id, None) for lead_id, team_id in to_team.items()] \
            + [(lead_id, team_id, user_id) for lead_id, (team_id, user_id) in to_user.items()]
        lead_ids = [row[0] for row in rows]
        scores = scores or {}
        expected = expected or {}
        deadlines = deadlines or {}
        cr = self.env.cr
        # Team followers subscribe to the leads whose team changes: read the teams before.
        cr.execute("SELECT id, team_id FROM crm_lead WHERE id = ANY(%s)", (lead_ids,))
        old_team = dict(cr.fetchall())
        cr.execute("""
            UPDATE crm_lead AS lead
               SET team_id = v.team_id,
                   user_id = v.user_id,
                   score = coalesce(v.score, lead.score),
                   date_open = CASE WHEN v.user_id IS NULL THEN lead.date_open
                                    ELSE %(now)s::timestamp END,
                   day_open = CASE WHEN v.user_id IS NULL THEN lead.day_open
                                   ELSE floor(abs(extract(epoch FROM (%(now)s::timestamp
                                                                      - lead.create_date))
                                                  / 86400)) END,
                   assignment_date = CASE WHEN v.user_id IS NULL THEN NULL
                                          ELSE %(now)s::timestamp END,
                   activity_date_deadline = least(lead.activity_date_deadline, v.deadline),
                   write_uid = %(uid)s,
                   write_date = %(now)s::timestamp
              FROM unnest(%(ids)s::int[], %(teams)s::int[], %(users)s::int[],
                          %(scores)s::float8[], %(expected)s::int[], %(checked)s::bool[],
                          %(deadlines)s::date[])
                       AS v(id, team_id, user_id, score, expected, checked, deadline)
             WHERE lead.id = ANY(%(ids)s) AND lead.id = v.id
               AND (%(force)s OR (lead.user_id IS NULL AND lead.active
                                  AND coalesce(lead.probability, 0) < 100
                                  AND (NOT v.checked
                                       OR lead.team_id IS NOT DISTINCT FROM v.expected)))
         RETURNING lead.id, lead.team_id, lead.user_id, lead.company_id
        """, {
            'now': now,
            'uid': self.env.uid,
            'force': bool(force),
            'ids': lead_ids,
            'teams': [row[1] for row in rows],
            'users': [row[2] for row in rows],
            'scores': [scores.get(row[0]) for row in rows],
            'expected': [expected.get(row[0]) for row in rows],
            'checked': [row[0] in expected for row in rows],
            'deadlines': [deadlines.get(row[0]) for row in rows],
        })
        result = cr.fetchall()
        Followers = self.env['mail.followers']
        if subscriptions is None:
            subscriptions = Followers._routing_subscriptions(
                {row[1] for row in result if row[1]}, {row[2] for row in result if row[2]})
        # The team's followers subscribe when the lead enters the team, not when it stays.
        Followers._routing_subscribe(
            [(lead_id, team_id if team_id != old_team.get(lead_id) else None, user_id)
             for lead_id, team_id, user_id, _company in result], subscriptions)
        # Every field of the leads (related ones read the team and the salesperson), for all
        # leads at once: a few dictionary entries, where per lead it would be fields x leads.
        Lead = self.env['crm.lead']
        Lead.invalidate_cache(list(Lead._fields))
        return {lead_id: (team_id, user_id, company_id)
                for lead_id, team_id, user_id, company_id in result}

    @api.model
    def _write_takeback(self, rows, now):
        """Give overdue leads to another salesperson, guarded: ``rows`` are (lead_id, new
        user_id, previous user_id, assignment date as read); a lead whose salesperson or
        assignment changed since, that was followed up, won or lost, is left alone. One
        statement. Returns the ids written (none when a concurrent change of those rows makes
        PostgreSQL refuse the statement: the next run takes back what is left)."""
        if not rows:
            return set()
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute("""
                    UPDATE crm_lead AS lead
                       SET user_id = v.user_id,
                           assignment_date = %(now)s::timestamp,
                           date_open = %(now)s::timestamp,
                           day_open = floor(abs(extract(epoch FROM (%(now)s::timestamp
                                                                    - lead.create_date))
                                                / 86400)),
                           sla_reassign_count = coalesce(lead.sla_reassign_count, 0) + 1,
                           write_uid = %(uid)s,
                           write_date = %(now)s::timestamp
                      FROM unnest(%(ids)s::int[], %(users)s::int[], %(previous)s::int[],
                                  %(dates)s::timestamp[]) AS v(id, user_id, previous, assigned)
                     WHERE lead.id = ANY(%(ids)s) AND lead.id = v.id
                       AND lead.user_id = v.previous AND lead.assignment_date = v.assigned
                       AND lead.active AND coalesce(lead.probability, 0) < 100
                       AND (lead.last_followup_date IS NULL
                            OR lead.last_followup_date < lead.assignment_date)
                 RETURNING lead.id
                """, {
                    'now': now,
                    'uid': self.env.uid,
                    'ids': [row[0] for row in rows],
                    'users': [row[1] for row in rows],
                    'previous': [row[2] for row in rows],
                    'dates': [row[3] for row in rows],
                })
                written = {row[0] for row in cr.fetchall()}
        except TransactionRollbackError:
            _logger.info("SLA take-back: leads changed meanwhile; the next run takes them back")
            return set()
        Lead = self.env['crm.lead']
        Lead.invalidate_cache(list(Lead._fields), list(written))
        return written

    @api.model
    def _write_release(self, rows, now, rule, untouched=False, idle_before=None,
                       own_transactions=False):
        """Release leads from their salesperson, guarded: the lead is still with that
        salesperson (still without one when none is given), still in the team it was read in,
        active and not won; with ``untouched``, not followed up since it was assigned; with
        ``idle_before`` (a datetime string), not touched nor assigned since then. One statement
        per batch; then a ``release`` log row per lead released (``previous_user_id``, ``rule``
        'hand_back' or 'reroute'), and the previous salesperson stops following it (followers
        follow the rights). A released lead leaves its salesperson's 30-day count with them.

        With ``own_transactions`` (a person handing back a book: the wizard's confirmation,
        whose transaction does nothing else), more than one batch and parallel writers, outside
        tests, the batches are written and committed on the writer connections side by side
        (``_on_writers``), as a routing run writes its own; otherwise in the current
        transaction. Never when the current transaction has written something
        (``_routing_has_written``): a writer would wait for its row locks while it waits for
        the writers. What follows the release in the caller's transaction (the leader's note,
        the routing after its commit) is then not undone with it: leads released by a
        confirmation that fails after them wait in their team for the next run.

        :param rows: (lead_id, salesperson as read or None, team as read or None, clear the
            team too (bool), reason: a ``routing.reasons`` node)
        :return: {lead_id: (team_id as it was, company_id)} of the leads released
        """
        batches = [rows[start:start + ROUTING_BATCH_SIZE]
                   for start in range(0, len(rows), ROUTING_BATCH_SIZE)]
        args = (now, rule, untouched, idle_before)
        writers = self._parallel_writers() if own_transactions and len(batches) > 1 else 1
        if writers > 1 and self._routing_transactions() and not self._routing_has_written():
            results = self._on_writers('_write_release_batch', batches, writers, *args)
        else:
            results = [self._write_release_batch(batch, *args) for batch in batches]
        released = {}
        for written in results:
            released.update(written)
        # Every field of the leads, for all leads at once (as ``_write_leads``): per lead it
        # would cost fields x leads dictionary entries.
        Lead = self.env['crm.lead']
        Lead.invalidate_cache(list(Lead._fields))
        return released

    @api.model
    def _routing_has_written(self):
        """Whether the current transaction has written (or locked) rows: it has a
        transaction id then. A writer connection would wait for its row locks. Before
        PostgreSQL 10 (no ``txid_current_if_assigned``), assumed so."""
        if self.env.cr._cnx.server_version < 100000:
            return True
        self.env.cr.execute("SELECT txid_current_if_assigned() IS NOT NULL")
        return self.env.cr.fetchone()[0]

    @api.model
    def _write_release_batch(self, batch, now, rule, untouched, idle_before):
        """One batch of ``_write_release`` in the current transaction: {lead_id: (team_id as
        it was, company_id)} of its leads released."""
        cr = self.env.cr
        cr.execute("""
            UPDATE crm_lead AS lead
               SET user_id = NULL,
                   team_id = CASE WHEN v.clear_team THEN NULL ELSE lead.team_id END,
                   assignment_date = NULL,
                   write_uid = %(uid)s,
                   write_date = %(now)s::timestamp
              FROM unnest(%(ids)s::int[], %(users)s::int[], %(teams)s::int[],
                          %(clear)s::bool[]) AS v(id, user_id, team_id, clear_team)
             WHERE lead.id = ANY(%(ids)s) AND lead.id = v.id
               AND lead.user_id IS NOT DISTINCT FROM v.user_id
               AND lead.team_id IS NOT DISTINCT FROM v.team_id
               AND lead.active AND coalesce(lead.probability, 0) < 100
               AND (NOT %(untouched)s OR lead.user_id IS NULL
                    OR lead.last_followup_date IS NULL
                    OR lead.last_followup_date < lead.assignment_date)
               AND (%(before)s::timestamp IS NULL
                    OR coalesce(greatest(lead.last_followup_date, lead.assignment_date),
                                lead.create_date) < %(before)s::timestamp)
         RETURNING lead.id, v.team_id, lead.company_id
        """, {
            'now': now,
            'uid': self.env.uid,
            'ids': [row[0] for row in batch],
            'users': [row[1] or None for row in batch],
            'teams': [row[2] or None for row in batch],
            'clear': [bool(row[3]) for row in batch],
            'untouched': bool(untouched),
            'before': idle_before or None,
        })
        written = {lead_id: (team_id, company_id)
                   for lead_id, team_id, company_id in cr.fetchall()}
        if not written:
            return written
        previous = {row[0]: row[1] for row in batch if row[0] in written and row[1]}
        self.env['crm.lead.assignment.log']._routing_insert(
            [(row[0], written[row[0]][0], None, 'release', row[4], written[row[0]][1],
              rule) for row in batch if row[0] in written], now, previous=previous)
        self.env['crm.lead'].browse(list(written))._routing_unfollow_previous(previous)
        self._ladder_activities(list(written), now)  # the previous holders' activities
        return written

    @api.model
    def _write_scores(self, scores):
        """Refreshed scores {lead_id: score} of leads no decision moves: one statement, in a
        savepoint. A score is refreshed again by the next run: a lead a person changes
        meanwhile is left alone rather than failing the run."""
        if not scores:
            return
        try:
            with self.env.cr.savepoint():
                self.env['crm.lead']._routing_write_scores(scores)
        except TransactionRollbackError:
            _logger.info("Lead routing: scores of leads changed meanwhile left to the next run")

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
        """Outside tests: write the batches on ``writers`` connections of their own (the cron:
        several; a person's run: one), each batch committed as one unit in READ COMMITTED,
        while this thread prepares the next ones (``_on_writers``). Most of a run is
        PostgreSQL work (index entries, foreign key checks of followers and log rows): batches
        touch different leads, so several database processes do it side by side.

        This connection keeps the routing lock (session level) meanwhile and writes nothing:
        what it wrote before (refreshed scores, error notes) is committed first, so no writer
        waits on it. It commits again at the end, to see what the writers wrote. The batches
        committed stay when one fails, and the next run routes what is left.
        """
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self._on_writers('_write_batch', batches, writers, subscriptions, now)
        # A new transaction, to see what the writers committed: the digests are made from it.
        self.env.cr.commit()  # pylint: disable=invalid-commit

    def _on_writers(self, method, batches, writers, *args):
        """Call ``method(batch, *args)`` of this model for each of ``batches`` on ``writers``
        connections of their own, each batch committed as one unit in READ COMMITTED (its
        guard reads each lead as it is when written, not as this transaction's snapshot saw
        it); returns their results in the order of ``batches``. A few batches are prepared
        ahead, not all of them in memory. A batch that fails stops the others: those not
        started are cancelled, those running finish, every failure is logged and the first
        one raised; the batches committed stay."""
        registry, uid, context = self.env.registry, self.env.uid, self.env.context

        def write(batch):
            threading.current_thread().dbname = registry.db_name  # for Odoo's log lines
            try:
                with api.Environment.manage(), registry.cursor() as cr:  # commits on success
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    env = api.Environment(cr, uid, context)
                    return getattr(env[self._name], method)(batch, *args)
            except Exception:
                size = len(batch.to_team) + len(batch.to_user) \
                    if isinstance(batch, RoutingBatch) else len(batch)
                _logger.exception("Lead routing: a batch of %d leads failed (%s)", size, method)
                raise

        results, pending = [], deque()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            try:
                for batch in batches:
                    pending.append(pool.submit(write, batch))
                    while len(pending) > 2 * writers:
                        results.append(pending.popleft().result())
                while pending:
                    results.append(pending.popleft().result())
            except Exception:
                for future in pending:
                    future.cancel()
                raise
        return results

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
        written = self._write_leads(to_team, to_user, now, force=True)
        self.env['crm.lead.assignment.log'].sudo()._routing_insert(
            [(lead_id, team_id, user_id, 'manual', reasons[lead_id], company_id)
             for lead_id, (team_id, user_id, company_id) in sorted(written.items())], now,
            notify=True, previous=previous)
        Lead.browse(list(written))._routing_unfollow_previous(previous)
        self.sudo()._ladder_activities(list(written), now, uid=self.env.uid)  # the ladder
        self.env['crm.lead.assignment.log'].sudo()._routing_send_digests(DIGEST_MAX_LINES)
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return written
