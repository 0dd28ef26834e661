# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Boundaries of a routing run (DESIGN revision 3): companies, archived users, intake teams, the
SLA clock after sharing. As the real users where a person starts the run."""
from .common import RoutingCase


class TestBoundaryRouting(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestBoundaryRouting, cls).setUpClass()
        cls.create_company_b()
        # A salesperson who works for company B only, and one who works for both.
        cls.sales_b = cls.create_user('routing_sales_b', 'sales_team.group_sale_salesman',
                                      company_id=cls.company_b.id,
                                      company_ids=[(6, 0, [cls.company_b.id])])
        cls.sales_ab = cls.create_user('routing_sales_ab', 'sales_team.group_sale_salesman',
                                       company_ids=[(6, 0, [cls.company.id, cls.company_b.id])])

    def lead_of_b(self, name='B lead'):
        return self.create_leads(1, prefix=name, company_id=self.company_b.id)

    # ------------------------------------------------------------------------------------------
    # Companies
    # ------------------------------------------------------------------------------------------

    def test_team_without_company_gives_a_lead_only_to_who_works_for_its_company(self):
        team = self.create_team('Anywhere', company_id=False,
                                members=[(self.sales[0], 30), (self.sales_b, 30)])
        lead_a = self.create_leads(1, prefix='A lead')
        lead_b = self.lead_of_b()
        self.route(team, mode='cron')
        self.assertEqual(lead_a.user_id, self.sales[0])
        self.assertEqual(lead_b.user_id, self.sales_b)
        # Each can open the lead they were given.
        self.assertSees(self.sales_b, lead_b, lead_b)

    def test_lead_nobody_of_its_company_can_take_waits(self):
        team = self.create_team('Anywhere', company_id=False, members=[(self.sales[0], 30)])
        lead_b = self.lead_of_b()
        self.route(team, mode='cron')
        self.assertFalse(lead_b.user_id, "a company-A salesperson got a company-B lead")
        self.assertEqual(lead_b.team_id, team)

    def test_person_run_touches_only_their_companies(self):
        """A manager of company A presses Assign now on a team without company: the company-B
        lead is left alone, and the preview does not list it."""
        team = self.create_team('Anywhere', company_id=False,
                                members=[(self.sales_ab, 30)])
        lead_a = self.create_leads(1, prefix='A lead')
        lead_b = self.lead_of_b()
        preview = team.sudo(self.manager)._action_assign_leads(mode='preview')
        listed = {decision.lead_id for decision, _name, _reason in preview.decisions}
        self.assertIn(lead_a.id, listed)
        self.assertNotIn(lead_b.id, listed, "the preview lists another company's lead")
        self.route(team, user=self.manager, mode='button')
        self.assertEqual(lead_a.user_id, self.sales_ab)
        self.assertFalse(lead_b.user_id)
        self.assertFalse(lead_b.team_id, "a company-A manager's run moved a company-B lead")
        # The scheduled action, a system run, routes it.
        self.route(team, mode='cron')
        self.assertEqual(lead_b.user_id, self.sales_ab)

    # ------------------------------------------------------------------------------------------
    # Archived users
    # ------------------------------------------------------------------------------------------

    def test_archived_user_receives_nothing(self):
        team = self.create_team('Archive', members=[(self.sales[0], 30), (self.sales[1], 30)])
        self.sales[1].active = False
        leads = self.create_leads(4)
        self.route(team, mode='cron')
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_archived_user_named_in_the_waiting_reason(self):
        team = self.create_team('Archive', members=[(self.sales[0], 1), (self.sales[1], 30)])
        self.sales[1].active = False
        given, waiting = self.create_leads(2)
        result = self.route(team, mode='cron')
        self.assertEqual(given.user_id, self.sales[0])
        self.assertFalse(waiting.user_id)
        log = self.env['crm.lead.assignment.log'].search([('lead_id', '=', waiting.id)])
        self.assertIn('%s: archived user' % self.sales[1].name, log[0].reason)
        render = self.env['crm.lead.assignment.log']._routing_reason_renderer()
        status = [row for row in result.members if row[1] == self.sales[1].id]
        self.assertEqual(render(status[0][5]), 'archived user')

    def test_sla_never_gives_to_an_archived_user(self):
        team = self.create_team('SLA archive', assignment_sla_hours=2,
                                members=[(self.sales[0], 30), (self.sales[1], 30)])
        lead = self.create_leads(1)
        self.route(team, mode='cron')
        holder = lead.user_id
        other = (self.sales[0] | self.sales[1]) - holder
        other.active = False
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = now() at time zone 'utc' "
                            "- interval '3 hours' WHERE id = %s", (lead.id,))
        lead.invalidate_cache()
        self.route(team, mode='sla')
        self.assertEqual(lead.user_id, holder, "taken back for an archived user")

    # ------------------------------------------------------------------------------------------
    # Intake teams
    # ------------------------------------------------------------------------------------------

    def test_team_dispatched_by_hand_keeps_its_waiting_leads(self):
        self.create_team('Routing', members=[(self.sales[0], 30)])
        by_hand = self.create_team('By hand', leader=self.leader_north)
        intake = self.create_team('Intake', assignment_intake=True)
        kept = self.create_leads(1, prefix='Kept', team_id=by_hand.id)
        handed = self.create_leads(1, prefix='Handed', team_id=intake.id)
        self.route(mode='cron')
        self.assertEqual(kept.team_id, by_hand)
        self.assertFalse(kept.user_id)
        self.assertEqual(handed.user_id, self.sales[0])

    def test_default_team_is_an_intake_team(self):
        default = self.env.ref('sales_team.team_sales_department')
        self.assertTrue(default.assignment_intake)
        self.assertFalse(self.create_team('New').assignment_intake)

    # ------------------------------------------------------------------------------------------
    # SLA after sharing
    # ------------------------------------------------------------------------------------------

    def test_sharing_does_not_stop_the_sla_clock(self):
        team = self.create_team('SLA share', leader=self.leader_north, assignment_sla_hours=2,
                                members=[(self.sales[0], 30), (self.sales[1], 30)])
        lead = self.create_leads(1)
        self.route(team, mode='cron')
        holder = lead.user_id
        colleague = (self.sales[0] | self.sales[1]) - holder
        lead.sudo(self.leader_north).action_share_with_users(colleague)
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = now() at time zone 'utc' "
                            "- interval '3 hours' WHERE id = %s", (lead.id,))
        lead.invalidate_cache()
        self.route(team, mode='sla')
        self.assertNotEqual(lead.user_id, holder, "sharing switched the SLA off")
        self.assertTrue(lead.user_id)
