# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3 of the design on databases that ran an earlier version: intake teams."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # Before, any team without routing member handed its waiting leads to routing teams; now
    # only intake teams do, and core's default team is one, as at a new install.
    env['crm.team']._routing_init_intake()
