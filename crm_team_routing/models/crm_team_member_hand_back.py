# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A member who leaves: "Hand back leads" on the member card and form, and archiving a
membership hands back its open leads (``crm.lead.router._hand_back_archived``)."""
from odoo import _, api, fields, models


class CrmTeamMemberHandBack(models.Model):
    _inherit = 'crm.team.member'

    hand_back_allowed = fields.Boolean(
        string="May Hand Back Leads",
        compute='_compute_hand_back_allowed',
        help="Whether you may hand back this member's open leads (managers; the leader of the "
             "team).",
    )

    def _compute_hand_back_allowed(self):
        router = self.env['crm.lead.router']
        person = router._routing_person()
        for member in self:
            member.hand_back_allowed = bool(member.id) and not router._hand_back_refusal(
                member, person=person)

    @api.multi
    def write(self, vals):
        leaving = self.browse()
        if 'active' in vals and not vals['active']:
            leaving = self.filtered('active')
        res = super(CrmTeamMemberHandBack, self).write(vals)
        if leaving:
            # The archive passed its own rights (managers write memberships): the hand-back
            # that follows from it runs as the system.
            self.env['crm.lead.router'].sudo()._hand_back_archived(members=leaving)
        return res

    @api.multi
    def action_hand_back_leads(self):
        """Button: hand back this member's open leads (a wizard with a preview). Managers;
        leaders for the members of the teams they lead."""
        self.ensure_one()
        self.env['crm.lead.router']._check_hand_back(self)
        return {
            'type': 'ir.actions.act_window',
            'name': _("Hand back leads"),
            'res_model': 'crm.lead.hand.back',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_member_id': self.id},
        }
