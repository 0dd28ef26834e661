# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter

from odoo import _, api, fields, models
from odoo.tools import html_escape


class CrmTeamRoutingPreview(models.TransientModel):
    """What a routing run decided or would decide: totals and, for a preview, the decisions."""
    _name = 'crm.team.routing.preview'
    _description = "Lead Routing Preview"

    name = fields.Char(
        string="Title",
        readonly=True,
    )
    summary = fields.Text(
        readonly=True,
    )
    totals_html = fields.Html(
        string="Totals",
        readonly=True,
        sanitize=False,
    )
    is_empty = fields.Boolean(
        string="Nothing to Route",
        readonly=True,
        help="The preview found no decision: the summary says why and what to do.",
    )
    line_ids = fields.One2many(
        comodel_name='crm.team.routing.preview.line',
        inverse_name='preview_id',
        string="Decisions",
        readonly=True,
    )

    @api.model
    def _totals_html(self, result, teams):
        """The totals of ``result``: leads per team, then per member of ``teams`` with their
        30-day count after the run against their quota and, for those who took nothing, why
        (in the reader's language); the leads left waiting."""
        # Names of teams and salespeople the reader may not be allowed to read.
        Users, Teams = self.env['res.users'].sudo(), self.env['crm.team'].sudo()
        render = self.env['crm.lead.assignment.log']._routing_reason_renderer()
        listed = {(row[0], row[1]) for row in result.members}
        users = Users.browse({row[1] for row in result.members} | set(result.user_counts))
        names = {user.id: user.name for user in users}
        team_names = {team.id: team.name for team in
                      Teams.browse(list(result.team_counts)) | teams.sudo()}
        rows = [(_("Team %s") % team_names[team_id], '', count, '', '')
                for team_id, count in sorted(result.team_counts.items(),
                                             key=lambda item: team_names[item[0]])]
        for team_id, user_id, got, count, quota, why in sorted(
                result.members, key=lambda row: (team_names.get(row[0], ''), names[row[1]])):
            rows.append((names[user_id], team_names.get(team_id, ''), got,
                         '%s/%s' % (count, quota) if quota is not None else '',
                         render(why) if why else ''))
        others = Counter({user_id: count for user_id, count in result.user_counts.items()
                          if not any(key[1] == user_id for key in listed)})
        for user_id, count in sorted(others.items(), key=lambda item: names[item[0]]):
            rows.append((names[user_id], '', count, '', ''))
        rows.append((_("Left waiting"), '', result.unassigned, '', ''))
        head = (_("Given to"), _("Team"), _("Leads"), _("Load (30 days)"), _("Status"))
        return ('<table class="table table-condensed o_crm_team_routing_totals"><thead><tr>'
                '%s</tr></thead><tbody>%s</tbody></table>') % (
            ''.join('<th%s>%s</th>' % (' class="text-right"' if index in (2, 3) else '',
                                       html_escape(label)) for index, label in enumerate(head)),
            ''.join('<tr>%s</tr>' % ''.join(
                '<td%s>%s</td>' % (' class="text-right"' if index in (2, 3) else '',
                                   html_escape('%s' % (value,)))
                for index, value in enumerate(row)) for row in rows))

    @api.model
    def _create_from_result(self, result, teams, title, summary=None):
        """Store ``result`` (a RoutingResult) and return the action that shows it."""
        totals = self._totals_html(result, teams)
        if result.errors:
            totals += ''.join('<p class="text-danger">%s</p>' % html_escape(error)
                              for error in result.errors)
        empty = summary is None and not result.total_decisions
        if empty:
            summary = self._empty_summary(result, teams)
        elif summary is None:
            summary = _("Nothing has been written. %(total)s decisions in total; the first "
                        "%(listed)s are listed below.") % {
                'total': result.total_decisions, 'listed': len(result.decisions)}
        lines = [(0, 0, {
            'lead_id': decision.lead_id,
            'lead_name': name,
            'team_id': decision.team_id,
            'user_id': decision.user_id,
            'kind': decision.kind,
            'reason': reason,
        }) for decision, name, reason in result.decisions]
        preview = self.create({
            'name': title,
            'summary': summary,
            'totals_html': totals,
            'is_empty': empty,
            'line_ids': lines,
        })
        return {
            'type': 'ir.actions.act_window',
            'name': title,
            'res_model': self._name,
            'res_id': preview.id,
            'view_mode': 'form',
            'target': 'new',
        }

    @api.model
    def _empty_summary(self, result, teams):
        """Why a preview would route nothing, and what to do: no lead waits for a salesperson
        (that the reader may see), or the waiting leads match none of the teams' filters and
        score bands, or the teams' members can take none (the table says why). One count."""
        router = self.env['crm.lead.router']
        waiting = self.env['crm.lead'].search_count(router._get_lead_to_assign_domain())
        names = ', '.join(teams.sudo().mapped('name'))
        if result.skipped:
            return _("Another routing run is working right now: nothing was previewed. Try "
                     "again in a minute.")
        if not waiting:
            return _("Nothing would be routed: no open lead is waiting for a salesperson. New "
                     "leads without a salesperson (created by hand, imported, from the website "
                     "or e-mail) are routed by the scheduled action, or at once with \"Assign "
                     "now\".")
        return _("Nothing would be routed: %(waiting)s leads wait for a salesperson, but none "
                 "of them matches the filter and score band of %(teams)s, and the members can "
                 "take none of the leads waiting in it (the table below says why). Check the "
                 "team's filter on its Routing tab (the domain editor counts its matches), "
                 "widen the filter or the score band, or give these leads by hand: select them "
                 "in the lead list, then Action > Assign leads.") % {
            'waiting': waiting, 'teams': names}

    @api.multi
    def action_open_waiting_leads(self):
        """Button of an empty preview: the leads waiting for a salesperson."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Leads waiting for a salesperson"),
            'res_model': 'crm.lead',
            'view_mode': 'tree,form',
            'views': [(False, 'tree'), (False, 'form')],
            'domain': self.env['crm.lead.router']._get_lead_to_assign_domain(),
            'target': 'current',
        }
