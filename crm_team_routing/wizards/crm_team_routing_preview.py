# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
    line_ids = fields.One2many(
        comodel_name='crm.team.routing.preview.line',
        inverse_name='preview_id',
        string="Decisions",
        readonly=True,
    )

    @api.model
    def create_from_result(self, result, teams, title, summary=None):
        """Store ``result`` (a RoutingResult) and return the action that shows it."""
        users = self.env['res.users'].sudo().browse(list(result.user_counts))
        all_teams = self.env['crm.team'].sudo().browse(list(result.team_counts)) | teams.sudo()
        rows = []
        for team in all_teams:
            if result.team_counts.get(team.id):
                rows.append((_("Team %s") % team.name, result.team_counts[team.id]))
        for user in users.sorted('name'):
            rows.append((user.name, result.user_counts[user.id]))
        rows.append((_("Left waiting"), result.unassigned))
        table = ''.join('<tr><td>%s</td><td class="text-right">%d</td></tr>'
                        % (html_escape(label), count) for label, count in rows)
        totals = ('<table class="table table-condensed o_crm_team_routing_totals">'
                  '<thead><tr><th>%s</th><th class="text-right">%s</th></tr></thead>'
                  '<tbody>%s</tbody></table>') % (
            html_escape(_("Given to")), html_escape(_("Leads")), table)
        if result.errors:
            totals += ''.join('<p class="text-danger">%s</p>' % html_escape(error)
                              for error in result.errors)
        if summary is None:
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
