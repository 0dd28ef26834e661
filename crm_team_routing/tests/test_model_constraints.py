# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .common import RoutingCase


class TestModelConstraints(RoutingCase):

    def test_invalid_team_filter_refused(self):
        team = self.create_team('Constraint team')
        with self.assertRaises(ValidationError) as caught:
            team.assignment_domain = "[('no_such_field', '=', 1)]"
        self.assertIn('Constraint team', caught.exception.name)
        self.assertIn('not valid', caught.exception.name)
        with self.assertRaises(ValidationError):
            team.assignment_domain = "[('country_id', '=',"      # not even Python
        with self.assertRaises(ValidationError):
            team.assignment_domain = "{'a': 1}"                     # not a list
        team.assignment_domain = "[('country_id.code', '=', 'VN')]"  # related fields work
        self.assertEqual(team.assignment_domain, "[('country_id.code', '=', 'VN')]")

    def test_invalid_member_and_rule_filters_refused(self):
        team = self.create_team('Filters', members=[(self.sales[0], 10)])
        with self.assertRaises(ValidationError) as caught:
            team.routing_member_ids.assignment_domain = "[('nope', '=', 1)]"
        self.assertIn(self.sales[0].name, caught.exception.name)
        with self.assertRaises(ValidationError):
            self.env['crm.lead.scoring.rule'].create({'name': 'Bad', 'domain': "[('x', '=', 1)]"})
        campaign = self.env['utm.campaign'].create({'name': 'Spring'})
        with self.assertRaises(ValidationError):
            self.env['crm.lead.share.rule'].create({
                'name': 'Bad', 'campaign_id': campaign.id, 'domain': "[(1, 2)]"})

    def test_duplicate_member_refused(self):
        team = self.create_team('Duplicates', members=[(self.sales[0], 10)])
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env['crm.team.member'].sudo()._create({
                    'team_id': team.id, 'user_id': self.sales[0].id})
        # Through the ORM the same pair is refused too, unless it is archived: then it returns.
        member = team.routing_member_ids
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.Member.create({'team_id': team.id, 'user_id': self.sales[0].id})
        member.active = False
        again = self.Member.create({'team_id': team.id, 'user_id': self.sales[0].id,
                                    'assignment_max': 12})
        self.assertEqual(again, member)
        self.assertTrue(again.active)
        self.assertEqual(again.assignment_max, 12)

    def test_negative_capacity_refused(self):
        team = self.create_team('Negative', members=[(self.sales[0], 10)])
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError) as caught:
            with self.env.cr.savepoint():
                team.routing_member_ids.assignment_max = -1
        self.assertIn('assignment_max_positive', str(caught.exception))

    def test_score_band_checked(self):
        team = self.create_team('Band')
        with self.assertRaises(ValidationError):
            team.write({'assignment_score_min': 50, 'assignment_score_max': 20})
        team.write({'assignment_score_min': 50, 'assignment_score_max': 0})  # no upper bound

    def test_team_capacity_sums_active_members(self):
        team = self.create_team('Capacity', members=[
            (self.sales[0], 10), (self.sales[1], 20), (self.sales[2], 5)])
        self.assertEqual(team.assignment_max, 35)
        member_of = {member.user_id: member for member in team.routing_member_ids}
        member_of[self.sales[2]].assignment_optout = True
        member_of[self.sales[1]].active = False
        team.invalidate_cache()
        self.assertEqual(team.assignment_max, 10)

    def test_core_rules_narrowed(self):
        rule = self.env.ref('crm.crm_rule_personal_lead')
        self.assertEqual(rule.domain_force, "[('user_id', '=', user.id)]")
        leader = self.env.ref('crm_team_routing.group_sale_team_leader')
        self.assertIn(leader, self.env.ref('sales_team.group_sale_salesman_all_leads').implied_ids)
        self.assertIn(self.env.ref('sales_team.group_sale_salesman'), leader.implied_ids)
