# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailMessage(models.Model):
    _inherit = 'mail.message'

    @api.model
    def create(self, values):
        """A user a lead is shared with reads it and posts nothing on it, whatever the door:
        core lets a follower or the recipient of a parent message create messages on a document
        they may not write."""
        model = values.get('model', self.env.context.get('default_model'))
        res_id = values.get('res_id', self.env.context.get('default_res_id'))
        if model == 'crm.lead' and res_id:
            self.env['crm.lead'].browse(res_id)._routing_check_poster()
        return super(MailMessage, self).create(values)
