# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every entry point that routes, assigns, shares or scores goes through the one rights gate
(DESIGN.md, Rights): whoever may not do it gets an AccessError, whatever the door."""
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestGate(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestGate, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])
        cls.create_company_b()
        cls.route_action = cls.env.ref('crm_team_routing.action_server_route_leads')
        cls.campaign = cls.env['utm.campaign'].create({'name': 'Gate campaign'})
        cls.share_rule = cls.env['crm.lead.share.rule'].create({
            'name': 'Gate watchers',
            'campaign_id': cls.campaign.id,
            'user_ids': [(6, 0, [cls.sales[3].id])],
        })
        cls.scoring_rule = cls.env['crm.lead.scoring.rule'].create({
            'name': 'Gate big deals',
            'domain': "[('planned_revenue', '>=', 1000)]",
            'points': 40,
        })
        # Users who may not use the managers' doors, the lowest first.
        cls.non_managers = (cls.sales[0], cls.leader_north, cls.all_leads)

    def run_route_action(self, leads, user=None):
        """The server action "Route leads" on ``leads``, run as ``user`` (default: superuser)."""
        action = self.route_action.sudo(user) if user else self.route_action
        return action.with_context(active_model='crm.lead', active_ids=leads.ids,
                                   active_id=leads.ids[0]).run()

    def automate_route_on_create(self):
        """An automated action running "Route leads" on leads created with a 'Gate auto' name."""
        # Saving an automated action commits and reloads the registry in 11.0: install its hooks
        # on this registry instead, and take them off after the test.
        Automation = self.env['base.automation'].with_context(import_file=True)
        Automation.create({
            'action_server_id': self.route_action.id,
            'trigger': 'on_create',
            'filter_domain': "[('name', '=like', 'Gate auto%')]",
        })
        Automation._register_hook()
        self.addCleanup(type(self.Lead)._revert_method, 'create')

    def sql_state(self, leads):
        """What a run could change on ``leads``, read from the table itself."""
        self.env.cr.execute("""
            SELECT id, user_id, team_id, score, share_state, write_date
              FROM crm_lead WHERE id IN %s ORDER BY id
        """, (tuple(leads.ids),))
        return self.env.cr.fetchall()

    def log_count(self, leads):
        return self.env['crm.lead.assignment.log'].search_count([('lead_id', 'in', leads.ids)])

    # ------------------------------------------------------------------------------------------
    # Server action "Route leads" and automated actions
    # ------------------------------------------------------------------------------------------

    def test_server_action_refused_without_sales_rights(self):
        leads = self.create_leads(2, prefix='Gate employee')
        with self.assertRaises(AccessError):
            self.run_route_action(leads, self.employee)
        self.assertFalse(leads.mapped('user_id'), "nothing routed")

    def test_server_action_refused_on_leads_the_salesperson_cannot_write(self):
        leads = self.create_leads(2, prefix='Gate not mine')
        with self.assertRaises(AccessError):
            leads.sudo(self.sales[0]).write({'priority': '1'})
        with self.assertRaises(AccessError):
            self.run_route_action(leads, self.sales[0])
        self.assertFalse(leads.mapped('user_id'), "nothing routed")

    def test_server_action_as_superuser_routes(self):
        """Website forms and the mail gateway run automated actions as the superuser."""
        leads = self.create_leads(3, prefix='Gate web')
        self.run_route_action(leads)
        self.Lead.invalidate_cache()
        routing_users = (self.north | self.south).mapped('routing_member_ids.user_id')
        for lead in leads:
            self.assertIn(lead.user_id, routing_users, lead.name)

    def test_automated_action_on_a_salesperson_own_lead(self):
        self.automate_route_on_create()
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'Gate auto mine'})
        self.assertTrue(lead.exists())
        self.assertEqual(lead.user_id, self.sales[0], "created by hand: its creator owns it")

    def test_automated_action_on_superuser_creation_routes(self):
        self.automate_route_on_create()
        # No team: core would put it in the creator's default team, which only routes when it
        # is an intake team (the demo's admin works in a team dispatched by hand).
        lead = self.Lead.create({'name': 'Gate auto web form', 'user_id': False,
                                 'team_id': False})
        self.Lead.invalidate_cache()
        self.assertIn(lead.user_id, (self.north | self.south).mapped('routing_member_ids.user_id'))

    # ------------------------------------------------------------------------------------------
    # Share rules' and scoring rules' buttons
    # ------------------------------------------------------------------------------------------

    def test_share_rule_apply_managers_only(self):
        lead = self.Lead.sudo(self.manager).create({
            'name': 'Gate to share', 'campaign_id': self.campaign.id, 'share_state': 'to_share',
            'user_id': self.sales[0].id})
        for user in self.non_managers + (self.employee,):
            with self.assertRaisesFor(AccessError, user.login):
                self.share_rule.sudo(user).action_apply()
            lead.invalidate_cache()
            self.assertEqual(lead.share_state, 'to_share', "%s shared it" % user.login)
        self.share_rule.sudo(self.manager).action_apply()
        lead.invalidate_cache()
        self.assertEqual(lead.share_state, 'shared')
        self.assertEqual(lead.shared_user_ids, self.sales[3])

    def test_recompute_scores_managers_only(self):
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'Gate big', 'planned_revenue': 5000})
        self.env.cr.execute("UPDATE crm_lead SET score = 0 WHERE id = %s", (lead.id,))
        for user in self.non_managers + (self.employee,):
            with self.assertRaisesFor(AccessError, user.login):
                self.scoring_rule.sudo(user).action_recompute_scores()
            lead.invalidate_cache()
            self.assertEqual(lead.score, 0, "%s recomputed the scores" % user.login)
        self.scoring_rule.sudo(self.manager).action_recompute_scores()
        lead.invalidate_cache()
        self.assertEqual(lead.score, 40)

    # ------------------------------------------------------------------------------------------
    # Team buttons
    # ------------------------------------------------------------------------------------------

    def test_team_buttons_refused_to_non_managers(self):
        leads = self.create_leads(2, prefix='Gate button')
        for user in self.non_managers:
            with self.assertRaisesFor(AccessError, user.login):
                self.north.sudo(user).action_assign_leads()
            with self.assertRaisesFor(AccessError, user.login):
                self.north.sudo(user).action_preview_assignment()
        self.assertFalse(leads.mapped('user_id'), "nothing routed")

    def test_team_buttons_refused_to_a_manager_of_another_company(self):
        leads = self.create_leads(2, prefix='Gate company A')
        north = self.Team.sudo(self.manager_b).browse(self.north.id)
        with self.assertRaises(AccessError):
            north.action_assign_leads()
        self.assertFalse(leads.mapped('user_id'), "nothing routed")
        with self.assertRaises(AccessError):
            north.action_preview_assignment()

    def test_team_button_routes_for_the_manager_of_the_company(self):
        leads = self.create_leads(3, prefix='Gate manager')
        self.north.sudo(self.manager).action_assign_leads()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('team_id'), self.north)
        for lead in leads:
            self.assertIn(lead.user_id, self.sales[0] | self.sales[1], lead.name)

    def test_preview_writes_nothing(self):
        leads = self.create_leads(3, prefix='Gate preview', planned_revenue=5000)
        # Stale scores: a run would refresh them (to 40); a preview computes them in memory.
        self.env.cr.execute("UPDATE crm_lead SET score = 0 WHERE id IN %s", (tuple(leads.ids),))
        before, logs_before = self.sql_state(leads), self.log_count(leads)
        action = self.north.sudo(self.manager).action_preview_assignment()
        preview = self.env['crm.team.routing.preview'].browse(action['res_id'])
        self.assertEqual(set(preview.line_ids.mapped('lead_id')), set(leads.ids),
                         "the preview shows what it would do")
        self.assertEqual(self.sql_state(leads), before, "no lead changed")
        self.assertEqual(self.log_count(leads), logs_before, "no log row written")

    # ------------------------------------------------------------------------------------------
    # Mass assignment wizard
    # ------------------------------------------------------------------------------------------

    def test_wizard_refused_to_a_salesperson(self):
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'Gate mine', 'team_id': self.north.id})
        with self.assertRaises(AccessError):
            self.mass_assign(self.sales[0], lead, mode='user',
                             user_id=self.sales[1].id).action_apply()
        self.assertEqual(lead.user_id, self.sales[0])

    def test_wizard_leader_shares_only_with_members_of_their_teams(self):
        lead = self.create_leads(1, prefix='Gate share', user_id=self.sales[0].id,
                                 team_id=self.north.id)
        with self.assertRaises(AccessError):
            self.mass_assign(self.leader_north, lead, mode='share',
                             share_user_ids=[(6, 0, [self.sales[2].id])]).action_apply()
        lead.invalidate_cache()
        self.assertFalse(lead.shared_user_ids)

    def test_wizard_leader_cannot_choose_a_team_they_do_not_lead(self):
        lead = self.create_leads(1, prefix='Gate team', team_id=self.north.id)
        with self.assertRaises(AccessError):
            self.mass_assign(self.leader_north, lead, mode='user', user_id=self.sales[1].id,
                             team_id=self.south.id).action_apply()
        lead.invalidate_cache()
        self.assertEqual(lead.team_id, self.north)
        self.assertFalse(lead.user_id)

    def test_wizard_leader_assignment_keeps_the_lead_in_a_team_they_lead(self):
        # sales[1] is a member of North, but their first routing team is East (not led by the
        # North leader): "the salesperson's team" must not carry the lead out of North.
        self.create_team('East', leader=self.leader_south, members=[(self.sales[1], 30)],
                         sequence=1)
        lead = self.create_leads(1, prefix='Gate keep', team_id=self.north.id)
        self.mass_assign(self.leader_north, lead, mode='user',
                         user_id=self.sales[1].id).action_apply()
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertEqual(lead.team_id.user_id, self.leader_north,
                         "moved to %s, a team its leader does not lead" % lead.team_id.name)

    def test_wizard_leader_refused_on_a_lead_of_another_team(self):
        lead = self.create_leads(1, prefix='Gate south', team_id=self.south.id)
        with self.assertRaises(AccessError):
            self.mass_assign(self.leader_north, lead, mode='user',
                             user_id=self.sales[0].id).action_apply()
        lead.invalidate_cache()
        self.assertFalse(lead.user_id)

    def test_wizard_leader_within_their_team(self):
        leads = self.create_leads(2, prefix='Gate north', team_id=self.north.id)
        self.mass_assign(self.leader_north, leads, mode='user',
                         user_id=self.sales[0].id).action_apply()
        self.mass_assign(self.leader_north, leads, mode='share',
                         share_user_ids=[(6, 0, [self.sales[1].id])]).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[0])
        self.assertEqual(leads.mapped('team_id'), self.north)
        self.assertEqual(leads.mapped('shared_user_ids'), self.sales[1])

    def test_wizard_all_documents_on_any_lead(self):
        leads = self.create_leads(1, prefix='Gate south', team_id=self.south.id) \
            | self.create_leads(1, prefix='Gate nowhere')
        self.mass_assign(self.all_leads, leads, mode='user',
                         user_id=self.sales[0].id).action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_wizard_route_refused_to_a_manager_of_another_company(self):
        leads = self.create_leads(2, prefix='Gate company A')
        with self.assertRaises(AccessError):
            leads.sudo(self.manager_b).write({'priority': '1'})
        with self.assertRaises(AccessError):
            self.mass_assign(self.manager_b, leads, mode='route').action_apply()
        self.Lead.invalidate_cache()
        self.assertFalse(leads.mapped('user_id'), "nothing routed")
