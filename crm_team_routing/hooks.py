# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def uninstall_hook(cr, registry):
    """Give core's personal lead rules their own domains back; drop the indexes the module made
    on core's columns (Odoo drops the columns of the module's fields, and the indexes on them,
    not the indexes the module made itself on core's columns): the one the existing owner step
    matches partner emails with, and the routing candidates' and loads' on leads."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['ir.rule']._crm_team_routing_restore_core_rules()
    cr.execute("DROP INDEX IF EXISTS res_partner_email_lower_idx, "
               "crm_lead_routing_candidate_idx, crm_lead_routing_load_idx")
