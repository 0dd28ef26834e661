# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed to lead and the routing report: the first touch of the salesperson of an assignment,
within the team's SLA, and who sees which rows."""
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestRoutingReport(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestRoutingReport, cls).setUpClass()
        cls.create_company_b()
        cls.north = cls.create_team('Report North', leader=cls.leader_north,
                                    members=[(cls.sales[0], 30), (cls.sales[1], 30)],
                                    assignment_sla_hours=24, assignment_sla_max=1)
        cls.south = cls.create_team('Report South', leader=cls.leader_south,
                                    members=[(cls.sales[2], 30)])
        cls.Report = cls.env['crm.lead.routing.report']

    def given_to(self, user, team, hours_ago=3, count=1):
        """``count`` leads routed to ``user`` in ``team`` (the other members paused), assigned
        ``hours_ago`` hours ago (the lead and its log row)."""
        leads = self.routed_to(user, team, count,
                               prefix='Report %s %s' % (team.name, user.login))
        self.age(leads, hours_ago, log=True)
        return leads

    def rows(self, lead):
        """The lead's assignment rows, oldest first."""
        self.env['crm.lead.assignment.log'].invalidate_cache()
        return lead.assignment_log_ids.filtered(
            lambda row: row.kind in ('member', 'sla', 'manual')).sorted('id')

    def post(self, user, lead):
        lead.sudo(user).message_post(body='Called', message_type='comment')

    def test_first_touch_of_the_salesperson(self):
        lead = self.given_to(self.sales[0], self.north, hours_ago=3)
        row = self.rows(lead)
        self.assertEqual(len(row), 1)
        self.assertFalse(row.touch_date)
        # The leader's note is no follow-up by the salesperson.
        self.post(self.leader_north, lead)
        self.assertFalse(self.rows(lead).touch_date, "a touch by someone else counts")
        self.post(self.sales[0], lead)
        row = self.rows(lead)
        self.assertTrue(row.touch_date)
        self.assertAlmostEqual(row.response_hours, 3.0, delta=0.1)
        self.assertTrue(row.within_sla)
        # A second touch keeps the first.
        self.env.cr.execute("UPDATE crm_lead_assignment_log SET response_hours = 99 "
                            "WHERE id = %s", (row.id,))
        self.post(self.sales[0], lead)
        self.assertEqual(self.rows(lead).response_hours, 99)

    def test_late_touch_and_no_sla(self):
        late = self.given_to(self.sales[0], self.north, hours_ago=30)
        free = self.given_to(self.sales[2], self.south, hours_ago=30)
        self.post(self.sales[0], late)
        self.post(self.sales[2], free)
        self.assertAlmostEqual(self.rows(late).response_hours, 30.0, delta=0.1)
        self.assertFalse(self.rows(late).within_sla, "30 h is late for a 24 h SLA")
        report = self.Report.search([('lead_id', 'in', (late | free).ids)])
        by_lead = {row.lead_id: row for row in report}
        self.assertTrue(by_lead[late].has_sla)
        self.assertFalse(by_lead[late].within_sla)
        self.assertFalse(by_lead[free].has_sla, "South has no SLA")
        self.assertFalse(by_lead[free].within_sla)
        self.assertTrue(by_lead[free].touched)

    def test_within_sla_in_working_hours(self):
        """A team counting working hours only: 30 wall-clock hours without a working hour
        are within its 4 hours; with working hours all day, they are not."""
        calendar = self.env['resource.calendar'].create({
            'name': 'Never working', 'attendance_ids': [(5,)]})
        team = self.create_team('Report Hours', leader=self.leader_south,
                                members=[(self.sales[3], 30)], assignment_sla_hours=4,
                                assignment_sla_working_hours=True)
        team.routing_member_ids.write({'resource_calendar_id': calendar.id})
        idle = self.given_to(self.sales[3], team, hours_ago=30)
        self.post(self.sales[3], idle)
        self.assertTrue(self.rows(idle).within_sla, "no working hour has passed")
        calendar.write({'attendance_ids': [
            (0, 0, {'name': 'All day', 'dayofweek': str(day), 'hour_from': 0, 'hour_to': 24})
            for day in range(7)]})
        busy = self.given_to(self.sales[3], team, hours_ago=30)
        self.post(self.sales[3], busy)
        self.assertFalse(self.rows(busy).within_sla, "30 working hours are late")
        self.assertAlmostEqual(self.rows(busy).response_hours, 30.0, delta=0.1)

    def test_take_back_starts_a_new_row(self):
        lead = self.given_to(self.sales[0], self.north, hours_ago=30)
        self.env['crm.team']._cron_sla_reassign()
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])
        first, second = self.rows(lead)
        self.assertTrue(first.taken_back)
        self.assertEqual(second.kind, 'sla')
        # The previous salesperson may no longer touch the lead; the new one's touch is theirs.
        self.post(self.sales[1], lead)
        first, second = self.rows(lead)
        self.assertFalse(first.touch_date)
        self.assertTrue(second.touch_date)
        self.assertLess(second.response_hours, 0.1)
        self.assertTrue(second.within_sla)
        report = self.Report.search([('lead_id', '=', lead.id)], order='id')
        self.assertEqual(report.mapped('taken_back'), [True, False])

    def test_who_sees_which_rows(self):
        mine = self.given_to(self.sales[0], self.north)
        mate = self.given_to(self.sales[1], self.north)
        south = self.given_to(self.sales[2], self.south)
        # A lead of the other company, created with its salesperson (a ``manual`` row).
        other = self.Lead.sudo(self.manager_b).with_context(
            crm_team_routing_no_route=True).create({
                'name': 'Report B', 'user_id': self.manager_b.id,
                'company_id': self.company_b.id})
        ours = mine | mate | south | other

        def seen(user):
            return self.Report.sudo(user).search([('lead_id', 'in', ours.ids)]).mapped(
                'lead_id')
        self.assertEqual(seen(self.sales[0]), mine)
        self.assertEqual(seen(self.leader_north), mine | mate)
        self.assertEqual(seen(self.leader_south), south)
        self.assertEqual(seen(self.manager), mine | mate | south)
        self.assertEqual(seen(self.manager_b), other)
        with self.assertRaises(AccessError):
            seen(self.employee)

    def test_pivot_by_salesperson_and_month(self):
        fast = self.given_to(self.sales[0], self.north, hours_ago=2, count=2)
        slow = self.given_to(self.sales[0], self.north, hours_ago=30)
        self.given_to(self.sales[1], self.north, hours_ago=1)
        for lead in fast | slow:
            self.post(self.sales[0], lead)
        groups = self.Report.sudo(self.manager).read_group(
            [('team_id', '=', self.north.id)],
            ['user_id', 'date', 'response_hours', 'within_sla_rate', 'taken_back_count',
             'won_count'], ['user_id', 'date:month'], lazy=False)
        by_user = {group['user_id'][0]: group for group in groups}
        first = by_user[self.sales[0].id]
        self.assertEqual(first['__count'], 3)
        self.assertAlmostEqual(first['response_hours'], (2 + 2 + 30) / 3.0, delta=0.1)
        self.assertAlmostEqual(first['within_sla_rate'], 200 / 3.0, delta=0.1)
        second = by_user[self.sales[1].id]
        self.assertEqual(second['__count'], 1)
        self.assertFalse(second['response_hours'], "untouched: no response time yet")
        self.assertEqual(second['within_sla_rate'], 0.0, "untouched counts as not within")
