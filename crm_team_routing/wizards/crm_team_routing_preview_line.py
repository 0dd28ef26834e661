# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.crm_lead_assignment_log import LOG_KINDS


class CrmTeamRoutingPreviewLine(models.TransientModel):
    _name = 'crm.team.routing.preview.line'
    _description = "Lead Routing Preview Line"

    preview_id = fields.Many2one(
        comodel_name='crm.team.routing.preview',
        required=True,
        ondelete='cascade',
    )
    lead_id = fields.Integer(
        string="Lead ID",
    )
    lead_name = fields.Char(
        string="Lead",
    )
    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
    )
    kind = fields.Selection(
        selection=LOG_KINDS,
        string="Type",
    )
    reason = fields.Text()
