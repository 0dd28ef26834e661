# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fallback: leads nobody in their team can take move to the overflow team, then to a fallback
salesperson, instead of waiting for ever."""
import unittest

from odoo.exceptions import ValidationError
from odoo.tests import common

from ..routing import fallback
from ..routing.engine import MemberState
from .common import RoutingCase

NOW = '2026-12-02 03:00:00'


class TestFallback(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestFallback, cls).setUpClass()
        cls.fallback_user = cls.create_user('routing_fallback', 'sales_team.group_sale_salesman')
        # The overflow team takes only leads named 'Nobody': its filter does not apply to the
        # leads it receives as overflow.
        cls.overflow = cls.create_team('Call Centre', leader=cls.leader_south,
                                       domain="[('name', '=', 'Nobody')]",
                                       members=[(cls.sales[2], 1)])
        cls.team = cls.create_team('North', leader=cls.leader_north,
                                   members=[(cls.sales[0], 1)],
                                   assignment_fallback_team_id=cls.overflow.id)

    def rows(self, leads, kind=None):
        rows = leads.mapped('assignment_log_ids').sorted('id')
        return rows.filtered(lambda row: row.kind == kind) if kind else rows

    def test_overflow_team_then_fallback_salesperson(self):
        self.overflow.assignment_fallback_user_id = self.fallback_user
        leads = self.create_leads(4)
        self.route(self.team.sudo(self.manager))
        self.assertEqual(self.counts_by_user(leads), {
            self.sales[0]: 1, self.sales[2]: 1, self.fallback_user: 2})
        moved = leads.filtered(lambda lead: lead.user_id != self.sales[0])
        self.assertEqual(moved.mapped('team_id'), self.overflow)
        team_rows = self.rows(moved, 'team').filtered(lambda row: row.team_id == self.overflow)
        self.assertEqual(len(team_rows), 3)
        self.assertEqual(set(team_rows.mapped('rule')), {'fallback_team'})
        self.assertIn('North', team_rows[0].reason)
        member_rows = self.rows(moved, 'member')
        self.assertEqual(sorted(member_rows.mapped('rule')),
                         ['balance', 'fallback_user', 'fallback_user'])
        given = member_rows.filtered(lambda row: row.rule == 'fallback_user')
        self.assertEqual(given.mapped('user_id'), self.fallback_user)
        self.assertIn(self.fallback_user.name, given[0].reason)
        self.assertTrue(all(given.mapped('notified')), "in the fallback salesperson's digest")
        self.assertFalse(self.rows(moved, 'unassigned'), "nothing left waiting")
        first = leads.filtered(lambda lead: lead.user_id == self.sales[0])
        self.assertEqual(self.rows(first).mapped('rule'), ['balance', 'balance'])

    def test_fallback_salesperson_of_the_team_itself(self):
        self.team.write({'assignment_fallback_team_id': False,
                         'assignment_fallback_user_id': self.fallback_user.id})
        leads = self.create_leads(3)
        self.route(self.team.sudo(self.manager))
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 1, self.fallback_user: 2})
        self.assertEqual(leads.mapped('team_id'), self.team, "they stay in the team")
        self.assertEqual(self.team.lead_month_count, 3, "counted in the team's 30 days")

    def test_overflow_without_room_waits_there(self):
        leads = self.create_leads(3)
        self.route(self.team.sudo(self.manager))
        waiting = leads.filtered(lambda lead: not lead.user_id)
        self.assertEqual(len(waiting), 1)
        self.assertEqual(waiting.team_id, self.overflow)
        self.assertEqual(self.rows(waiting).mapped('kind'), ['team', 'team', 'unassigned'])
        self.assertIn('%s: 1/1' % self.sales[2].name, self.rows(waiting, 'unassigned').reason)

    def test_fallback_hours(self):
        self.team.assignment_fallback_hours = 4
        leads = self.create_leads(2)
        self.route(self.team.sudo(self.manager))
        waiting = leads.filtered(lambda lead: not lead.user_id)
        self.assertEqual(waiting.team_id, self.team, "it waits in the team first")
        self.route(self.team.sudo(self.manager))
        self.assertEqual(waiting.team_id, self.team)
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log SET date = date - interval '5 hours'
             WHERE lead_id = %s AND kind = 'team'
        """, (waiting.id,))
        self.route(self.team.sudo(self.manager))
        self.assertEqual((waiting.team_id, waiting.user_id), (self.overflow, self.sales[2]))

    def test_lead_put_in_team_against_its_filter_left_to_the_leader(self):
        self.team.write({'assignment_domain': "[('name', 'like', 'Lead')]",
                         'assignment_fallback_user_id': self.fallback_user.id})
        other = self.create_leads(1, prefix='Other', team_id=self.team.id)
        self.route(self.team.sudo(self.manager))
        self.assertEqual((other.team_id, other.user_id), (self.team, self.env['res.users']))
        self.assertIn("does not match the team's filter", self.rows(other, 'unassigned').reason)

    def test_opted_out_overflow_team_not_used(self):
        self.overflow.assignment_optout = True
        self.team.assignment_fallback_user_id = self.fallback_user
        leads = self.create_leads(2)
        self.route(self.team.sudo(self.manager))
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 1, self.fallback_user: 1})
        self.assertEqual(leads.mapped('team_id'), self.team)

    def assertRefused(self, record, values):
        """Saving ``values`` on ``record`` is refused, and leaves nothing behind."""
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            if record:
                record.write(values)
            else:
                self.Team.create(dict(values, name='New', company_id=self.company.id))
        self.Team.invalidate_cache()

    def test_chains_refused(self):
        self.assertRefused(self.overflow, {'assignment_fallback_team_id': self.team.id})  # cycle
        self.assertRefused(self.team, {'assignment_fallback_team_id': self.team.id})  # itself
        third = self.create_team('Third')
        self.overflow.assignment_fallback_team_id = third  # North, Call Centre, Third: fine
        fourth = self.create_team('Fourth')
        self.assertRefused(third, {'assignment_fallback_team_id': fourth.id})  # 4 teams
        self.assertRefused(fourth, {'assignment_fallback_team_id': self.team.id})  # 4, above
        self.assertRefused(None, {'assignment_fallback_team_id': self.team.id})
        self.assertEqual(self.team.assignment_fallback_team_id.assignment_fallback_team_id,
                         third)

    def test_fallback_settings_refused(self):
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        stranger = self.create_user('routing_stranger', 'sales_team.group_sale_salesman',
                                    company_id=other_company.id,
                                    company_ids=[(6, 0, [other_company.id])])
        for user in (stranger, self.portal):
            self.assertRefused(self.team.sudo(self.manager),
                               {'assignment_fallback_user_id': user.id})
        foreign = self.Team.create({'name': 'Foreign', 'company_id': other_company.id})
        self.assertRefused(self.team, {'assignment_fallback_team_id': foreign.id})
        self.assertRefused(self.team, {'assignment_fallback_hours': -1})
        self.team.sudo(self.manager).assignment_fallback_user_id = self.fallback_user


@common.at_install(False)
@common.post_install(True)
class TestFallbackRules(unittest.TestCase):
    """routing.fallback without a database."""

    def settings(self, *rows):
        return {row[0]: fallback.FallbackTeam(*row) for row in rows}

    def test_chain_problem(self):
        self.assertIsNone(fallback.chain_problem({1: 2, 2: 3}, 1))
        self.assertIsNone(fallback.chain_problem({1: 2, 2: 3}, 3))
        self.assertEqual(fallback.chain_problem({1: 2, 2: 1}, 1), 'cycle')
        self.assertEqual(fallback.chain_problem({1: 1}, 1), 'cycle')
        self.assertEqual(fallback.chain_problem({1: 2, 2: 3, 3: 4}, 4), 'too_long')
        self.assertEqual(fallback.chain_problem({1: 2, 2: 3, 3: 4}, 2), 'too_long')
        self.assertIsNone(fallback.chain_problem({1: 3, 2: 3, 3: None}, 3), "a tree is fine")

    def test_overflow_then_user(self):
        members = {20: [MemberState(201, 20, 2001, 1, 0, None)]}
        settings = self.settings((10, 20, None, 0.0), (20, None, 99, 0.0))
        leads = [(1, 10, 5.0, None), (2, 10, 1.0, None)]
        result, origin = fallback.route(leads, settings, members, {}, {}, NOW)
        self.assertEqual([(d.kind, d.team_id, d.user_id, d.rule) for d in result[1]],
                         [('team', 20, None, 'fallback_team'), ('member', 20, 2001, None)])
        self.assertEqual([(d.kind, d.team_id, d.user_id, d.rule) for d in result[2]],
                         [('team', 20, None, 'fallback_team'),
                          ('member', 20, 99, 'fallback_user')])
        self.assertEqual(origin, {1: (10, 0.0), 2: (10, 0.0)})
        self.assertEqual(members[20][0].count, 1, "the member's count carries on")

    def test_hours_and_levels(self):
        members = {30: [MemberState(301, 30, 3001, 5, 0, None)]}
        settings = self.settings((10, 20, None, 2.0), (20, 30, None, 0.0), (30, None, None, 1.0))
        leads = [(1, 10, 0.0, None), (2, 10, 0.0, None)]
        result, _origin = fallback.route(leads, settings, members, {}, {1: 3.0, 2: 1.0}, NOW)
        self.assertNotIn(2, result, "not waited long enough")
        self.assertEqual([(d.kind, d.team_id, d.user_id) for d in result[1]],
                         [('team', 20, None), ('team', 30, None), ('member', 30, 3001)],
                         "20 waits 0 hours: on to the next level in the same run")

    def test_member_filters_apply_not_the_team_filter(self):
        members = {20: [MemberState(201, 20, 2001, 5, 0, None, {99}),
                        MemberState(202, 20, 2002, 5, 0, None, {99})]}
        settings = self.settings((10, 20, None, 0.0), (20, None, None, 0.0))
        result, _origin = fallback.route([(1, 10, 0.0, None)], settings, members,
                                         {201: {1}, 202: None}, {}, NOW)
        self.assertEqual(result[1][-1].member_id, 201, "own filters only, the lowest id")

    def test_unusable_overflow_team(self):
        settings = self.settings((10, 20, 7, 0.0))  # team 20 does not take part
        result, _origin = fallback.route([(1, 10, 0.0, None)], settings, {}, {}, {}, NOW)
        self.assertEqual([(d.kind, d.team_id, d.user_id, d.rule) for d in result[1]],
                         [('member', 10, 7, 'fallback_user')])


class TestFallbackCompany(RoutingCase):
    """A team without company routes the leads of several companies: its fallback salesperson
    receives only those of the companies they work for (as its members do); the others wait in
    the team, and their reason says why the fallback salesperson did not get them."""

    @classmethod
    def setUpClass(cls):
        super(TestFallbackCompany, cls).setUpClass()
        cls.create_company_b()
        # Works for the first company only, as sales[0].
        cls.fallback_user = cls.create_user('routing_fallback_a', 'sales_team.group_sale_salesman')
        cls.team = cls.create_team('Both Companies', leader=cls.leader_north,
                                   members=[(cls.sales[0], 1)], company_id=False,
                                   assignment_fallback_user_id=cls.fallback_user.id)

    def test_fallback_salesperson_only_for_their_companies(self):
        leads_a = self.create_leads(2, prefix='Lead A')
        leads_b = self.create_leads(2, prefix='Lead B', company_id=self.company_b.id)
        # The scheduled action's run: every company (a manager's run routes their companies').
        self.route(self.team)
        self.assertEqual(self.counts_by_user(leads_a), {self.sales[0]: 1, self.fallback_user: 1})
        self.assertFalse(leads_b.mapped('user_id'), "nobody of the team works for company B")
        self.assertEqual(leads_b.mapped('team_id'), self.team, "they wait in the team")
        for lead in leads_b:
            waiting = lead.assignment_log_ids.filtered(lambda row: row.kind == 'unassigned')
            self.assertEqual(len(waiting), 1)
            self.assertIn("Not given to %s, fallback salesperson of team Both Companies: they "
                          "do not work for %s." % (self.fallback_user.name, self.company_b.name),
                          waiting.reason)
        # Once they work for company B, the next run gives them the waiting leads.
        self.fallback_user.write({'company_ids': [(4, self.company_b.id)]})
        self.route(self.team)
        self.assertEqual(leads_b.mapped('user_id'), self.fallback_user)


@common.at_install(False)
@common.post_install(True)
class TestFallbackCompanyRules(unittest.TestCase):
    """routing.fallback: the fallback salesperson and the lead's company, without a database."""

    def test_fallback_salesperson_checked_against_the_lead_company(self):
        settings = {10: fallback.FallbackTeam(10, None, 7, 0.0, frozenset([1]))}
        leads = [(1, 10, 0.0, None), (2, 10, 0.0, None), (3, 10, 0.0, None)]
        skipped = {}
        result, origin = fallback.route(leads, settings, {}, {}, {}, NOW,
                                        company_of={1: 1, 2: 2, 3: None}, skipped=skipped)
        self.assertEqual(sorted(result), [1, 3], "company 1 and no company: given")
        self.assertEqual(result[1][-1].user_id, 7)
        self.assertEqual(skipped, {2: (10, 7, 2)})
        self.assertNotIn(2, origin)
        # Not checked when the companies are not known (None), as before.
        result, _origin = fallback.route(leads, {10: fallback.FallbackTeam(10, None, 7, 0.0)},
                                         {}, {}, {}, NOW, company_of={1: 1, 2: 2, 3: None})
        self.assertEqual(sorted(result), [1, 2, 3])
