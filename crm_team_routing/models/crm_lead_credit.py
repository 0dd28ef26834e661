# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credit back: a lead that should not count against its salesperson (junk, a duplicate, a
customer of another team) leaves their 30-day count; a ``credit`` log row says who and why."""
from odoo import _, api, fields, models

from ..routing import policy
from ..routing.reasons import text as reason_text


class CrmLeadCredit(models.Model):
    _inherit = 'crm.lead'

    @api.multi
    def action_routing_credit(self, reason=None):
        """Mark these leads "Not counted against the salesperson": managers (leads of their
        companies) and the leader of the lead's team (``routing.policy.check_credit``). Without
        a reason, returns the small wizard asking for one."""
        router = self.env['crm.lead.router']
        # Reading the leads checks the caller may read them (record rules); who may credit
        # them is the policy's.
        self.check_access_rule('read')
        leads = self.sudo()
        router._routing_refuse(policy.check_credit(
            router._routing_person(), leads.mapped('team_id').ids,
            leads.mapped('company_id').ids))
        if leads.filtered(lambda lead: not lead.user_id):
            router._routing_refuse(policy.Refusal('credit_no_salesperson', {}))
        reason = (reason or '').strip()
        if not reason:
            return {
                'type': 'ir.actions.act_window',
                'name': _("Credit back"),
                'res_model': 'crm.lead.routing.credit',
                'view_mode': 'form',
                'target': 'new',
                'context': {'default_lead_ids': [(6, 0, self.ids)]},
            }
        # Checked above: the log is the system's (no right creates log rows).
        log = self.env['crm.lead.assignment.log'].sudo()
        credited = leads._routing_credited_ids()
        user = self.env.user
        rows = [(lead.id, lead.team_id.id, lead.user_id.id, 'credit',
                 reason_text('credit', salesperson=lead.user_id.name, user=user.name,
                             reason=reason), lead.company_id.id)
                for lead in leads if lead.id not in credited]
        log._routing_insert(rows, fields.Datetime.now(), previous={
            row[0]: user.id for row in rows})
        return True

    @api.multi
    def _routing_credited_ids(self):
        """Ids of these leads already credited back to their salesperson since assigned."""
        if not self.ids:
            return set()
        self.env.cr.execute("""
            SELECT lead.id FROM crm_lead lead
             WHERE lead.id = ANY(%s) AND EXISTS (
                   SELECT 1 FROM crm_lead_assignment_log credit
                    WHERE credit.kind = 'credit' AND credit.lead_id = lead.id
                      AND credit.user_id = lead.user_id
                      AND credit.date >= coalesce(lead.assignment_date, lead.create_date))
        """, (self.ids,))
        return {row[0] for row in self.env.cr.fetchall()}
