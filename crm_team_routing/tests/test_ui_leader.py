# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end tests of a team leader's screens and of the mass assignment applied to every
lead a search finds, in headless Debian chromium (tests/browser/leader_ui.py), as the real
users: the leader, then a sales manager. How these tests work: see test_ui.py, whose helpers
they use."""
import logging
import os

from odoo.tests import common

from . import test_ui

_logger = logging.getLogger(__name__)

BULK = 200  # leads matching the search: more than the list's page of 80


@common.at_install(False)
@common.post_install(True)
class TestLeaderUi(test_ui.BrowserCase):
    driver = os.path.join(test_ui.HERE, 'browser', 'leader_ui.py')

    def setUp(self):
        super(TestLeaderUi, self).setUp()
        self.manager = self.create_user('ui_manager', 'Hoa Pham', 'sales_team.group_sale_manager')
        self.leader = self.create_user('ui_leader', 'An Nguyen',
                                       'crm_team_routing.group_sale_team_leader')
        self.other_leader = self.create_user('ui_leader_south', 'Hung Dang',
                                             'crm_team_routing.group_sale_team_leader')
        self.binh = self.create_user('ui_sales_binh', 'Binh Tran', 'sales_team.group_sale_salesman')
        self.cuong = self.create_user('ui_sales_cuong', 'Cuong Le',
                                      'sales_team.group_sale_salesman')
        self.giang = self.create_user('ui_sales_giang', 'Giang Huynh',
                                      'sales_team.group_sale_salesman')
        Team, Member = self.env['crm.team'], self.env['crm.team.member']
        self.north = Team.create({'name': 'UI North', 'user_id': self.leader.id,
                                  'company_id': self.company.id})
        self.south = Team.create({'name': 'UI South', 'user_id': self.other_leader.id,
                                  'company_id': self.company.id})
        for team, user in ((self.north, self.binh), (self.north, self.cuong),
                           (self.south, self.giang)):
            Member.create({'team_id': team.id, 'user_id': user.id, 'assignment_max': 300})
        self.Lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True)

    def create_lead(self, name, team, user=None, kind='lead'):
        return self.Lead.create({'name': name, 'type': kind, 'team_id': team.id,
                                 'user_id': user.id if user else False})

    def test_01_leader_menu_and_wizard_choices(self):
        """The leader opens "My teams' leads": the leads of North only, the waiting ones
        first; the mass assignment offers North and its people, and assigns."""
        waiting = [self.create_lead('Waiting %s' % name, self.north)
                   for name in ('Hanoi Pharmacy', 'Hai Phong Clinic')]
        assigned = self.create_lead('Assigned Bac Ninh Store', self.north, self.binh)
        south = self.create_lead('South Saigon Clinic', self.south)
        result = self.run_browser('leader', 'ui_leader', {
            'wizard_action': self.env.ref('crm_team_routing.crm_lead_mass_assign_action').name,
            'assign_leads': [lead.name for lead in waiting],
            'assign_to': self.cuong.name,
        })
        _logger.info("leader scenario read: %s", result)
        self.assertEqual(result['breadcrumb'].strip(), "My teams' leads")
        self.assertEqual(sorted(result['names']),
                         sorted([lead.name for lead in waiting] + [assigned.name]))
        self.assertNotIn(south.name, result['names'])
        self.assertEqual(result['salespeople'][:2], ['', ''], "waiting leads first")
        self.assertEqual(result['salespeople'][2], self.binh.name)
        self.assertEqual(result['lead_count'], '2')
        self.assertEqual(result['offered_teams'], [self.north.name])
        self.assertEqual(sorted(result['offered_users']),
                         sorted([self.leader.name, self.binh.name, self.cuong.name]))
        self.assertIn(self.cuong.name, result['result'])
        for lead in waiting:
            self.assertEqual(lead.user_id, self.cuong)
            self.assertEqual(lead.team_id, self.north)
            self.assertEqual(result['salespeople_after'][lead.name], self.cuong.name)
        self.assertFalse(south.user_id)

    def test_02_manager_assigns_all_leads_matching_a_search(self):
        """200 leads match the manager's search; the list shows and ticks 80; "Assign leads"
        applies to all 200."""
        bulk = self.env['crm.lead']
        for index in range(BULK):
            bulk |= self.create_lead('Bulk lead %03d' % index,
                                     self.north if index % 2 else self.south,
                                     kind='opportunity')
        other = self.create_lead('Unrelated opportunity', self.north, kind='opportunity')
        before = self.env['mail.message'].search([], order='id desc', limit=1).id
        result = self.run_browser('all_matching', 'ui_manager', {
            'menu': 'crm.menu_crm_opportunities',
            'search': 'Bulk lead',
            'wizard_action': self.env.ref('crm_team_routing.crm_lead_mass_assign_action').name,
            'split_among': [self.binh.name, self.giang.name],
        })
        _logger.info("all matching scenario read: %s", result)
        self.assertTrue(any('Bulk lead' in facet for facet in result['facets']), result['facets'])
        self.assertEqual(result['rows'], 80)
        self.assertIn('/ %d' % BULK, result['pager'])
        self.assertEqual((result['lead_count'], result['matching_count']), ('80', str(BULK)))
        self.assertIn(str(BULK), result['scope_text'])
        self.assertIn('%d leads updated' % BULK, result['result'])
        self.assertEqual(bulk.mapped('user_id'), self.binh | self.giang)
        self.assertEqual(len(bulk.filtered(lambda lead: lead.user_id == self.binh)), BULK // 2)
        self.assertFalse(other.user_id)
        # One digest per salesperson for the whole action, counting all their leads.
        for person in (self.binh, self.giang):
            digest = self.env['mail.message'].search([
                ('id', '>', before), ('model', '=', False),
                ('partner_ids', 'in', person.partner_id.id)])
            self.assertEqual(len(digest), 1, person.name)
            self.assertIn('(%d):' % (BULK // 2), digest.body)
