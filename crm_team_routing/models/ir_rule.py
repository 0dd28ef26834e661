# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# Core 11.0 lets a salesperson see leads without salesperson. These rules are noupdate data of
# crm: the module narrows them at install and at every upgrade (a <function> in the security
# data), and the uninstall hook gives core's domains back.
CORE_PERSONAL_DOMAIN = "['|',('user_id','=',user.id),('user_id','=',False)]"
NARROWED_PERSONAL_DOMAIN = "[('user_id', '=', user.id)]"
NARROWED_CORE_RULES = (
    'crm.crm_rule_personal_lead',
    'crm.crm_rule_personal_lead_report',
    'crm.crm_activity_report_rule_personal_activities',
)


class IrRule(models.Model):
    _inherit = 'ir.rule'

    @api.model
    def _crm_team_routing_set_core_rules(self, domain):
        for xmlid in NARROWED_CORE_RULES:
            rule = self.env.ref(xmlid, raise_if_not_found=False)
            if rule and rule.domain_force != domain:
                rule.sudo().write({'domain_force': domain})
        return True

    @api.model
    def _crm_team_routing_narrow_core_rules(self):
        return self._crm_team_routing_set_core_rules(NARROWED_PERSONAL_DOMAIN)

    @api.model
    def _crm_team_routing_restore_core_rules(self):
        return self._crm_team_routing_set_core_rules(CORE_PERSONAL_DOMAIN)
