# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 6, notify: the messages a run sends, all through ``crm.lead.routing.notifier``.

Digests to salespeople, take-back notes to the previous salesperson and the leader (private
messages to each of them alone), and notes on invalid filters (on the team's chatter, each
distinct problem once).
"""
import logging

from odoo import _, models

from .crm_lead_router import DIGEST_MAX_LINES

_logger = logging.getLogger(__name__)


class CrmLeadRouterNotify(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _notify(self, commit):
        """One message per salesperson listing their new leads (and those a killed run left);
        see ``crm.lead.assignment.log._routing_send_digests``."""
        self.env['crm.lead.assignment.log']._routing_send_digests(DIGEST_MAX_LINES)
        if commit and self._routing_transactions():
            # Digests leave only through the mail queue, in this same transaction: a run
            # killed before this commit sent none, and the next run sends them all.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _report_error(self, team, message, result, write):
        """A bad filter skips its team or member: say so in the server log and, when the run
        writes, in the team's chatter (each distinct problem once, not at every run)."""
        _logger.error("Lead routing: %s", message)
        result.errors.append(message)
        if not write:
            return
        self.env['crm.lead.routing.notifier']._post_team_note(team, message)

    def _sla_note_title(self, previous, team):
        """The first line of a take-back note, in the language of the context (its reader's):
        to ``previous``, the salesperson leads were taken back from, or (None) to the leader."""
        if previous is None:
            return _("Not followed up in time, and not taken back: decide for these leads:")
        return _("Taken back from %(user)s (not followed up within %(hours)s h):") % {
            'user': previous.name, 'hours': '%g' % team.assignment_sla_hours}

    def _notify_sla(self, teams, decisions, written, data):
        """One private message per run to each previous salesperson listing the leads taken
        back from them, and one to each team leader listing the leads newly left to them."""
        by_team = {team.id: team for team in teams}
        taken, told = {}, {}
        for decision in decisions:
            if decision.user_id and decision.lead_id in written:
                taken.setdefault((decision.previous_user_id, decision.team_id),
                                 []).append(decision.lead_id)
            elif not decision.user_id and decision.lead_id in data.get('told', ()):
                told.setdefault(decision.team_id, []).append(decision.lead_id)
        # The names the notes list, in one query: name_get would read every field of
        # thousands of leads (as the digests, which read names with their rows).
        self.env.cr.execute("SELECT id, name FROM crm_lead WHERE id = ANY(%s)", (
            [lead_id for lead_ids in list(taken.values()) + list(told.values())
             for lead_id in lead_ids[:DIGEST_MAX_LINES]],))
        names = dict(self.env.cr.fetchall())
        # The previous salespeople read together, and only the fields the notes use.
        users = {user.id: user for user in self.env['res.users'].with_context(
            prefetch_fields=False).browse(sorted({user_id for user_id, _team_id in taken}))}
        notes = []
        for (user_id, team_id), lead_ids in sorted(taken.items()):
            user = users[user_id]
            notes.append((user, self.with_context(
                lang=user.lang)._sla_note_title(user, by_team[team_id]),
                [(lead_id, names[lead_id]) for lead_id in lead_ids[:DIGEST_MAX_LINES]],
                len(lead_ids)))
        for team_id, lead_ids in sorted(told.items()):
            team = by_team[team_id]
            if team.user_id:
                notes.append((team.user_id, self.with_context(
                    lang=team.user_id.lang)._sla_note_title(None, team),
                    [(lead_id, names[lead_id]) for lead_id in lead_ids[:DIGEST_MAX_LINES]],
                    len(lead_ids)))
        self.env['crm.lead.routing.notifier']._send_lead_lists(notes)
