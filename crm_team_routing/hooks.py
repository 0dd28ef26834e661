# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def uninstall_hook(cr, registry):
    """Give core's personal lead rules their own domains back."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['ir.rule']._crm_team_routing_restore_core_rules()
