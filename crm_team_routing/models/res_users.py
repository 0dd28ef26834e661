# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    @api.multi
    def write(self, vals):
        """Archiving a user hands back their open leads in routing teams (when
        ``crm_team_routing.hand_back_on_archive`` is true, the default): see
        ``crm.lead.router._hand_back_archived``."""
        leaving = self.browse()
        if 'active' in vals and not vals['active']:
            leaving = self.filtered('active')
        res = super(ResUsers, self).write(vals)
        if leaving:
            # Archiving users is the administrators' right, checked by the write above; what
            # follows from it is done as the system.
            self.env['crm.lead.router'].sudo()._hand_back_archived(users=leaving)
        return res
