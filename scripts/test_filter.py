"""Run only some test files of a module: a developer's shortcut (scripts/quick_test.sh).

Odoo 11 runs every ``tests/test_*.py`` of a module it installs with ``--test-enable``. When the
environment variable ``CRM_TEAM_ROUTING_TESTS`` names test files (comma-separated, without
``.py``: ``test_gate,test_sla``), only those run. ``make test`` never sets it: CI runs them all.
"""
import os

from odoo.modules import module as odoo_module


def install():
    wanted = {name.strip() for name in os.environ.get('CRM_TEAM_ROUTING_TESTS', '').split(',')
              if name.strip()}
    if not wanted:
        return
    original = odoo_module.get_test_modules

    def get_test_modules(module):
        return [mod for mod in original(module)
                if mod.__name__.rsplit('.', 1)[-1] in wanted]

    odoo_module.get_test_modules = get_test_modules
