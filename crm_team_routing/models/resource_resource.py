# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResourceResource(models.Model):
    _inherit = 'resource.resource'

    crm_team_member_ids = fields.One2many(
        comodel_name='crm.team.member',
        inverse_name='resource_id',
        string="Routing Memberships",
        help="The sales team routing memberships whose absences and working hours this resource "
             "gives (record rules of absences go through it).",
    )
