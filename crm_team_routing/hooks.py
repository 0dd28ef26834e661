# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def uninstall_hook(cr, registry):
    """Give core's personal lead rules their own domains back; drop the index the existing
    owner step matches partner emails with (Odoo drops the columns of the module's fields, not
    the indexes it made itself on core's tables)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['ir.rule']._crm_team_routing_restore_core_rules()
    cr.execute("DROP INDEX IF EXISTS res_partner_email_lower_idx")
