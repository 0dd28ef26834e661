# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class CrmLeadRoutingCredit(models.TransientModel):
    """Asks why leads are credited back (``crm.lead.action_routing_credit``)."""
    _name = 'crm.lead.routing.credit'
    _description = "Credit Leads Back"

    lead_ids = fields.Many2many(
        comodel_name='crm.lead',
        string="Leads",
        readonly=True,
    )
    reason = fields.Char(
        required=True,
        help="Why these leads should not count against their salesperson (junk, duplicate, "
             "wrong team...): kept in the lead's assignment history.",
    )

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        self.lead_ids.action_routing_credit(reason=self.reason)
        return {'type': 'ir.actions.act_window_close'}
