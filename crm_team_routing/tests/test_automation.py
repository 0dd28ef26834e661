# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import RoutingCase


class TestAutomation(RoutingCase):
    """Routing from Automated Actions (server action) and routing on creation."""

    def test_automated_action_with_or_condition_routes_on_creation(self):
        team = self.create_team('Auto', members=[(self.sales[0], 30)])
        route = self.env.ref('crm_team_routing.action_server_route_leads')
        # Saving an automated action commits and reloads the registry in 11.0; in a test, install
        # its hooks on this registry instead (what the reload does), and take them off after.
        Automation = self.env['base.automation'].with_context(import_file=True)
        Automation.create({
            'name': 'Route Vietnamese or big leads at once',
            'model_id': self.env.ref('crm.model_crm_lead').id,
            'trigger': 'on_create',
            'filter_domain': "['|', ('country_id.code', '=', 'VN'), "
                             "('planned_revenue', '>', 5000)]",
            'state': 'multi',
            'child_ids': [(6, 0, [route.id])],
        })
        Automation._register_hook()
        self.addCleanup(type(self.Lead)._revert_method, 'create')
        Lead = self.Lead.sudo(self.manager)
        vn = Lead.create({'name': 'VN', 'user_id': False, 'country_id': self.country_vn.id})
        big = Lead.create({'name': 'Big', 'user_id': False, 'planned_revenue': 9000})
        small = Lead.create({'name': 'Small', 'user_id': False, 'planned_revenue': 10})
        self.Lead.invalidate_cache()
        self.assertEqual(vn.user_id, self.sales[0])
        self.assertEqual(big.user_id, self.sales[0])
        self.assertEqual(vn.team_id, team)
        self.assertFalse(small.user_id, "the OR condition does not match: waits for the cron")

    def test_server_action_on_records(self):
        team = self.create_team('Server action', members=[(self.sales[1], 30)])
        leads = self.create_leads(2)
        route = self.env.ref('crm_team_routing.action_server_route_leads')
        route.with_context(active_model='crm.lead', active_ids=leads.ids).run()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[1])
        self.assertEqual(leads.mapped('team_id'), team)

    def test_route_on_create(self):
        immediate = self.create_team('Immediate', members=[(self.sales[2], 30)],
                                     domain="[('country_id', '=', %d)]" % self.country_vn.id,
                                     assignment_on_create=True)
        self.create_team('Cron only', members=[(self.sales[3], 30)])
        Lead = self.Lead.sudo(self.manager)
        vn = Lead.create({'name': 'VN now', 'user_id': False, 'country_id': self.country_vn.id})
        fr = Lead.create({'name': 'FR later', 'user_id': False, 'country_id': self.country_fr.id})
        mine = Lead.create({'name': 'Mine', 'country_id': self.country_vn.id})
        self.Lead.invalidate_cache()
        self.assertEqual(vn.user_id, self.sales[2])
        self.assertEqual(vn.team_id, immediate)
        self.assertEqual([row.kind for row in vn.assignment_log_ids.sorted('id')],
                         ['team', 'member'])
        self.assertFalse(fr.user_id, "no immediate team matches: the cron routes it")
        self.assertEqual(mine.user_id, self.manager, "created by hand: its creator owns it")
