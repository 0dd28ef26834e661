# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestVisibility(RoutingCase):
    """Who sees and changes which lead, through every door of the ORM."""

    @classmethod
    def setUpClass(cls):
        super(TestVisibility, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:4])
        Lead = cls.Lead.with_context(crm_team_routing_no_route=True)

        def lead(name, user, team):
            return Lead.create({'name': name, 'user_id': user.id if user else False,
                                'team_id': team.id if team else False, 'type': 'lead'})
        cls.own = lead('Vis own', cls.sales[0], cls.north)
        cls.teammate = lead('Vis teammate', cls.sales[1], cls.north)
        cls.other_team = lead('Vis other team', cls.sales[2], cls.south)
        cls.waiting_north = lead('Vis waiting north', None, cls.north)
        cls.waiting_south = lead('Vis waiting south', None, cls.south)
        cls.unassigned = lead('Vis unassigned', None, None)
        cls.shared = lead('Vis shared', cls.sales[3], cls.south)
        cls.shared.write({'shared_user_ids': [(4, cls.sales[0].id)]})
        cls.leads = (cls.own | cls.teammate | cls.other_team | cls.waiting_north
                     | cls.waiting_south | cls.unassigned | cls.shared)

    def test_search(self):
        self.assertSees(self.sales[0], self.leads, self.own | self.shared)
        self.assertSees(self.sales[1], self.leads, self.teammate)
        self.assertSees(self.leader_north, self.leads,
                        self.own | self.teammate | self.waiting_north)
        self.assertSees(self.leader_south, self.leads,
                        self.other_team | self.waiting_south | self.shared)
        self.assertSees(self.all_leads, self.leads, self.leads)
        self.assertSees(self.manager, self.leads, self.leads)

    def test_read_group_name_search_and_read(self):
        groups = self.Lead.sudo(self.sales[0]).read_group(
            [('id', 'in', self.leads.ids)], ['user_id'], ['user_id'])
        self.assertEqual(sum(group['user_id_count'] for group in groups), 2)
        names = [name for _id, name in self.Lead.sudo(self.sales[0]).name_search('Vis', limit=50)]
        self.assertEqual(sorted(names), ['Vis own', 'Vis shared'])
        names = [name for _id, name in
                 self.Lead.sudo(self.leader_north).name_search('Vis', limit=50)]
        self.assertEqual(sorted(names), ['Vis own', 'Vis teammate', 'Vis waiting north'])
        self.assertEqual(self.shared.sudo(self.sales[0]).read(['name'])[0]['name'], 'Vis shared')
        for lead in (self.teammate, self.unassigned, self.waiting_north):
            with self.assertRaises(AccessError):
                lead.sudo(self.sales[0]).read(['name'])

    def test_opportunity_report(self):
        Report = self.env['crm.opportunity.report']
        mine = Report.sudo(self.sales[0]).search([('id', 'in', self.leads.ids)])
        self.assertEqual(mine.ids, self.own.ids,
                         "reports show own leads only (shared leads are not in the SQL view)")
        north = Report.sudo(self.leader_north).search([('id', 'in', self.leads.ids)])
        self.assertEqual(sorted(north.ids),
                         sorted((self.own | self.teammate | self.waiting_north).ids))
        everything = Report.sudo(self.all_leads).search([('id', 'in', self.leads.ids)])
        self.assertEqual(sorted(everything.ids), sorted(self.leads.ids))

    def test_write(self):
        self.own.sudo(self.sales[0]).write({'description': 'mine'})
        for lead in (self.shared, self.teammate, self.unassigned):
            with self.assertRaises(AccessError):
                lead.sudo(self.sales[0]).write({'description': 'not mine'})
        (self.own | self.teammate | self.waiting_north).sudo(self.leader_north).write(
            {'priority': '2'})
        for lead in (self.other_team, self.waiting_south, self.unassigned):
            with self.assertRaises(AccessError):
                lead.sudo(self.leader_north).write({'priority': '2'})
        self.leads.sudo(self.all_leads).write({'priority': '1'})

    def test_shared_user_cannot_write_one_field(self):
        for values in ({'name': 'x'}, {'priority': '3'}, {'shared_user_ids': [(5,)]},
                       {'user_id': self.sales[0].id}):
            with self.assertRaises(AccessError):
                self.shared.sudo(self.sales[0]).write(values)
        with self.assertRaises(AccessError):
            self.shared.sudo(self.sales[0]).message_post(body='may I?', message_type='comment')

    def test_unlink_managers_only(self):
        for user in (self.sales[0], self.leader_north, self.all_leads):
            with self.assertRaises(AccessError):
                self.own.sudo(user).unlink()
        self.own.sudo(self.manager).unlink()
        self.assertFalse(self.own.exists())

    def test_salesperson_creates_own_leads_only(self):
        Lead = self.Lead.sudo(self.sales[0])
        Lead.create({'name': 'Mine'})
        with self.assertRaises(AccessError):
            Lead.create({'name': 'For a colleague', 'user_id': self.sales[1].id})
        with self.assertRaises(AccessError):
            Lead.create({'name': 'For nobody', 'user_id': False})

    def test_configuration_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.north.sudo(self.sales[0]).write({'assignment_domain': '[]'})
        with self.assertRaises(AccessError):
            self.north.sudo(self.leader_north).write({'assignment_score_min': 10})
        member = self.north.routing_member_ids[0]
        with self.assertRaises(AccessError):
            member.sudo(self.sales[0]).write({'assignment_max': 100})
        with self.assertRaises(AccessError):
            self.env['crm.lead.scoring.rule'].sudo(self.leader_north).create(
                {'name': 'Mine', 'domain': '[]', 'points': 100})
        # ... but readable where the screens need it.
        self.assertEqual(member.sudo(self.sales[0]).assignment_max, 30)
        self.assertEqual(self.north.sudo(self.sales[0]).assignment_domain, '[]')
        self.north.sudo(self.manager).write({'assignment_domain': "[('score', '>=', 0)]"})

    def test_assignment_log_visibility(self):
        Log = self.env['crm.lead.assignment.log']
        mine = Log.sudo(self.sales[0]).search([('lead_id', 'in', self.leads.ids)])
        self.assertEqual(mine.mapped('lead_id'), self.own | self.shared)
        north = Log.sudo(self.leader_north).search([('lead_id', 'in', self.leads.ids)])
        self.assertEqual(north.mapped('lead_id'), self.own | self.teammate)
        everything = Log.sudo(self.all_leads).search([('lead_id', 'in', self.leads.ids)])
        self.assertEqual(everything.mapped('lead_id'),
                         self.own | self.teammate | self.other_team | self.shared)
        with self.assertRaises(AccessError):
            Log.sudo(self.manager).create({'lead_id': self.own.id, 'kind': 'manual',
                                           'date': '2026-01-01 00:00:00'})
        with self.assertRaises(AccessError):
            mine.sudo(self.manager).unlink()

    def test_other_company_configuration_invisible(self):
        other = self.env['res.company'].create({'name': 'Other project'})
        self.sales[1].write({'company_ids': [(4, other.id)]})
        team = self.create_team('Elsewhere', members=[(self.sales[1], 5)], company_id=other.id)
        self.manager.write({'company_ids': [(4, other.id)]})
        self.assertFalse(self.Member.sudo(self.manager).search([('team_id', '=', team.id)]))
        lead = self.Lead.with_context(crm_team_routing_no_route=True).create(
            {'name': 'Vis elsewhere', 'company_id': other.id, 'user_id': False})
        self.assertFalse(self.Lead.sudo(self.manager).search([('id', '=', lead.id)]))
        self.manager.write({'company_id': other.id})
        self.assertTrue(self.Member.sudo(self.manager).search([('team_id', '=', team.id)]))
        self.assertTrue(self.Lead.sudo(self.manager).search([('id', '=', lead.id)]))
