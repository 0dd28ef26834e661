# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError

from .common import RoutingCase


class TestMassAssign(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestMassAssign, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])

    def wizard(self, user, leads, **values):
        return self.env['crm.lead.mass.assign'].sudo(user).with_context(
            active_model='crm.lead', active_ids=leads.ids).create(values)

    def test_assign_to_salesperson(self):
        leads = self.create_leads(3)
        wizard = self.wizard(self.manager, leads, mode='user', user_id=self.sales[2].id)
        self.assertEqual(wizard.lead_count, 3)
        wizard.action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[2])
        self.assertEqual(leads.mapped('team_id'), self.south, "the salesperson's routing team")
        for lead in leads:
            self.assertTrue(lead.assignment_date)
            self.assertIn(self.sales[2].partner_id, lead.message_partner_ids)
            self.assertEqual(lead.assignment_log_ids[0].kind, 'manual')
        self.assertIn(self.sales[2].name, wizard.result)
        self.assertIn('3', wizard.result)

    def test_assign_with_explicit_team_ignores_caps_but_counts(self):
        member = self.north.routing_member_ids.filtered(lambda m: m.user_id == self.sales[0])
        member.assignment_max = 2
        leads = self.create_leads(4)
        self.wizard(self.manager, leads, mode='user', user_id=self.sales[0].id,
                    team_id=self.north.id).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[0])
        member.invalidate_cache()
        self.assertEqual(member.lead_month_count, 4)
        more = self.create_leads(2)
        self.route(self.north)
        self.assertEqual(more.mapped('user_id'), self.sales[1], "sales 0 is over capacity")

    def test_move_to_team_clears_salesperson(self):
        leads = self.create_leads(2, user_id=self.sales[0].id, team_id=self.north.id)
        self.wizard(self.manager, leads, mode='team', team_id=self.south.id).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('team_id'), self.south)
        self.assertFalse(leads.mapped('user_id'))
        self.assertEqual(leads.mapped('assignment_log_ids').filtered(
            lambda row: row.kind == 'manual' and row.team_id == self.south).mapped(
            'previous_user_id'), self.sales[0], "the rows say who had the leads")
        self.route(self.south)
        self.assertEqual(leads.mapped('user_id'), self.sales[2])

    def test_split_evenly(self):
        leads = self.create_leads(7)
        self.wizard(self.manager, leads, mode='split',
                    user_ids=[(6, 0, [u.id for u in self.sales[:3]])]).action_apply()
        self.Lead.invalidate_cache()
        counts = sorted(self.counts_by_user(leads).values())
        self.assertEqual(counts, [2, 2, 3])

    def test_route_selection_only(self):
        selected = self.create_leads(3, prefix='Selected')
        others = self.create_leads(2, prefix='Others')
        wizard = self.wizard(self.manager, selected, mode='route')
        wizard.action_apply()
        self.Lead.invalidate_cache()
        self.assertTrue(all(selected.mapped('user_id')))
        self.assertFalse(others.mapped('user_id'))
        self.assertIn('3', wizard.result)

    def test_share_and_mark_to_share(self):
        leads = self.create_leads(2, user_id=self.sales[0].id, team_id=self.north.id)
        self.wizard(self.manager, leads, mode='share',
                    share_user_ids=[(6, 0, [self.sales[3].id])]).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('shared_user_ids'), self.sales[3])
        self.assertEqual(set(leads.mapped('share_state')), {'shared'})
        others = self.create_leads(2, prefix='Later')
        self.wizard(self.manager, others, mode='to_share').action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(set(others.mapped('share_state')), {'to_share'})

    def test_leader_within_own_team(self):
        north_leads = self.create_leads(2, team_id=self.north.id)
        self.wizard(self.leader_north, north_leads, mode='user',
                    user_id=self.sales[1].id).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(north_leads.mapped('user_id'), self.sales[1])
        self.assertEqual(north_leads.mapped('team_id'), self.north)

    def test_leader_refused_outside_team(self):
        north_leads = self.create_leads(2, team_id=self.north.id)
        south_leads = self.create_leads(2, prefix='South', team_id=self.south.id)
        with self.assertRaises(AccessError):
            self.wizard(self.leader_north, north_leads, mode='user',
                        user_id=self.sales[2].id).action_apply()
        with self.assertRaises(AccessError):
            self.wizard(self.leader_north, north_leads, mode='team',
                        team_id=self.south.id).action_apply()
        with self.assertRaises(AccessError):
            self.wizard(self.leader_north, south_leads, mode='user',
                        user_id=self.sales[0].id).action_apply()
        self.Lead.invalidate_cache()
        self.assertFalse((north_leads | south_leads).mapped('user_id'), "nothing changed")
        self.assertEqual(north_leads.mapped('team_id'), self.north)

    def test_salesperson_refused(self):
        leads = self.create_leads(1, user_id=self.sales[0].id, team_id=self.north.id)
        with self.assertRaises(AccessError):
            self.wizard(self.sales[0], leads, mode='user', user_id=self.sales[1].id).action_apply()
        self.assertEqual(leads.user_id, self.sales[0])

    def test_missing_choice_is_a_clear_error(self):
        leads = self.create_leads(1)
        with self.assertRaises(UserError):
            self.wizard(self.manager, leads, mode='split').action_apply()
        with self.assertRaises(UserError):
            self.wizard(self.manager, self.Lead, mode='to_share').action_apply()
