# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mass assignment applied to every lead a list's search finds (Odoo 11 passes the search
as ``active_domain``), not only to the page of selected ids; the choices it offers a team
leader; the leader's "My teams' leads" screen."""
from odoo.exceptions import AccessError
from odoo.tools.safe_eval import safe_eval

from .common import RoutingCase

SEARCH = (('name', 'ilike', 'Bulk '),)


class TestMassAssignSearch(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestMassAssignSearch, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])
        # 200 leads match the search, more than the list's page of 80: 120 in North, 80 in
        # South; 5 others do not match.
        cls.north_leads = cls.create_leads(120, prefix='Bulk North', team_id=cls.north.id)
        cls.south_leads = cls.create_leads(80, prefix='Bulk South', team_id=cls.south.id)
        cls.others = cls.create_leads(5, prefix='Other', team_id=cls.north.id)
        cls.matching = cls.north_leads | cls.south_leads

    def wizard(self, user, selected, domain=SEARCH, **values):
        return self.env['crm.lead.mass.assign'].sudo(user).with_context(
            active_model='crm.lead', active_ids=selected.ids, active_domain=list(domain),
        ).create(values)

    def page(self, leads):
        """The 80 leads a list shows first, the ones a person can tick."""
        return leads.sorted('id')[:80]

    def test_manager_all_leads_matching_the_search(self):
        wizard = self.wizard(self.manager, self.page(self.matching), mode='user',
                             user_id=self.sales[2].id, team_id=self.south.id)
        self.assertEqual((wizard.lead_count, wizard.matching_count), (80, 200))
        self.assertEqual(wizard.scope, 'selected', "the selected leads unless asked otherwise")
        self.assertIn('80', wizard.scope_text)
        wizard.scope = 'search'
        self.assertIn('200', wizard.scope_text)
        queries = self.env.cr.sql_log_count
        wizard.action_apply()
        queries = self.env.cr.sql_log_count - queries
        self.Lead.invalidate_cache()
        self.assertEqual(self.matching.mapped('user_id'), self.sales[2])
        self.assertEqual(self.matching.mapped('team_id'), self.south)
        self.assertFalse(self.others.mapped('user_id'), "leads outside the search stay")
        self.assertIn('200', wizard.result)
        # Set-wise: the cost does not grow with the leads (a query per lead would be 200+).
        self.assertLess(queries, 120, "%d queries for 200 leads" % queries)

    def test_manager_split_all_matching(self):
        wizard = self.wizard(self.manager, self.page(self.matching), mode='split',
                             scope='search', user_ids=[(6, 0, [s.id for s in self.sales[:2]])])
        wizard.action_apply()
        self.Lead.invalidate_cache()
        counts = self.counts_by_user(self.matching)
        self.assertEqual(sorted(counts.values()), [100, 100])
        self.assertEqual(set(counts), set(self.sales[:2]))

    def test_manager_routes_all_matching(self):
        """Routing on everything the search found, in one run: each member takes their 30."""
        wizard = self.wizard(self.manager, self.page(self.matching), mode='route',
                             scope='search')
        wizard.action_apply()
        self.Lead.invalidate_cache()
        counts = self.counts_by_user(self.matching)
        self.assertEqual(counts.get(self.sales[0]), 30)
        self.assertEqual(counts.get(self.sales[1]), 30)
        self.assertEqual(counts.get(self.sales[2]), 30)
        self.assertFalse(self.others.mapped('user_id'))

    def test_leader_search_limited_to_the_teams_they_lead(self):
        """The leader's search also finds South leads shared with them (they may read them);
        "all matching" takes only the leads of the teams they lead, the ones the gate lets
        them assign."""
        shared = self.south_leads[:10]
        self.share(shared, self.leader_north)
        self.assertEqual(self.Lead.sudo(self.leader_north).search_count(list(SEARCH)), 130)
        wizard = self.wizard(self.leader_north, self.page(self.north_leads), mode='split',
                             scope='search', user_ids=[(6, 0, [s.id for s in self.sales[:2]])])
        self.assertEqual((wizard.lead_count, wizard.matching_count), (80, 120))
        wizard.action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(sorted(self.counts_by_user(self.north_leads).values()), [60, 60])
        self.assertFalse(self.south_leads.mapped('user_id'), "South is not theirs")
        self.assertEqual(self.south_leads.mapped('team_id'), self.south)

    def test_leader_selected_leads_outside_their_teams_refused(self):
        """Ticked leads are taken as they are: one the leader may read but not assign is
        refused, not silently left out."""
        shared = self.south_leads[:1]
        self.share(shared, self.leader_north)
        wizard = self.wizard(self.leader_north, self.north_leads[:3] | shared, mode='user',
                             user_id=self.sales[0].id)
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.Lead.invalidate_cache()
        self.assertFalse((self.north_leads | shared).mapped('user_id'))

    def test_leader_cannot_widen_the_search(self):
        """A search naming another team finds nothing for the leader to assign."""
        wizard = self.wizard(self.leader_north, self.page(self.north_leads),
                             domain=[('team_id', '=', self.south.id)], mode='user',
                             scope='search', user_id=self.sales[0].id)
        self.assertEqual(wizard.matching_count, 0)
        self.assertEqual(self.Lead.search_count([('team_id', '=', self.south.id),
                                                 ('id', 'in', self.matching.ids)]), 80)

    def test_salesperson_refused(self):
        wizard = self.wizard(self.sales[0], self.page(self.north_leads), mode='user',
                             scope='search', user_id=self.sales[1].id)
        self.assertEqual(wizard.matching_count, 0, "a salesperson assigns nothing in bulk")
        with self.assertRaises(Exception):
            wizard.action_apply()
        self.Lead.invalidate_cache()
        self.assertFalse(self.matching.mapped('user_id'))

    def test_choices_offered_to_a_leader(self):
        """The salesperson, salespeople, share and team fields offer a leader the people of
        the teams they lead and those teams; managers every internal user and team."""
        Wizard = self.env['crm.lead.mass.assign']
        Users = self.env['res.users']
        everyone = self.manager | self.leader_north | self.leader_south | self.all_leads \
            | Users.browse([user.id for user in self.sales])
        for name in ('user_id', 'user_ids', 'share_user_ids'):
            domain = Wizard.sudo(self.leader_north).fields_get([name])[name]['domain']
            offered = Users.sudo(self.leader_north).search(domain) & everyone
            self.assertEqual(offered, self.leader_north | self.sales[0] | self.sales[1], name)
            domain = Wizard.sudo(self.manager).fields_get([name])[name]['domain']
            self.assertEqual(Users.sudo(self.manager).search(domain) & everyone, everyone, name)
            self.assertNotIn(self.portal, Users.search(domain))
        domain = Wizard.sudo(self.leader_north).fields_get(['team_id'])['team_id']['domain']
        self.assertEqual(self.Team.sudo(self.leader_north).search(domain), self.north)
        domain = Wizard.sudo(self.manager).fields_get(['team_id'])['team_id']['domain']
        self.assertLessEqual(self.north | self.south, self.Team.sudo(self.manager).search(domain))

    def test_my_teams_leads_screen(self):
        """The leader's menu lists the leads of the teams they lead, waiting ones first."""
        action = self.env.ref('crm_team_routing.crm_lead_action_my_teams')
        menu = self.env.ref('crm_team_routing.crm_lead_menu_my_teams')
        self.assertEqual(menu.action, action)
        self.assertIn(self.env.ref('crm_team_routing.group_sale_team_leader'), menu.groups_id)
        assigned = self.north_leads[:2]
        assigned.write({'user_id': self.sales[0].id})
        domain = safe_eval(action.domain, {'uid': self.leader_north.id})
        tree = self.env.ref('crm_team_routing.crm_lead_view_tree_my_teams')
        self.assertIn('default_order="user_id desc', tree.arch_db)
        found = self.Lead.sudo(self.leader_north).search(
            domain + [('id', 'in', (self.matching | self.others).ids)],
            order='user_id desc, create_date desc, id desc')
        self.assertEqual(set(found.ids), set((self.north_leads | self.others).ids))
        self.assertEqual(found[-2:], assigned.sorted('id', reverse=True),
                         "the waiting leads come first")
        self.assertFalse(found[:-2].mapped('user_id'))
