# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Absence, working hours, quotas and weights: nobody receives leads while on leave, on a public
holiday or off shift, coming back from leave does not mean a flood, and some take a larger
share.

Leaves are built relative to now, and the calendars work 7 days a week, so that the results do
not depend on the weekday or the hour the suite runs at. The few checks that need a given hour
fix the router's clock (``crm.lead.router._now``).
"""
import unittest
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

import pytz

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from ..routing import absence
from .common import RoutingCase

VN = 'Asia/Ho_Chi_Minh'
ALL_DAY = [(day, 0, 24) for day in range(7)]
OFFICE_EVERY_DAY = [(day, hours[0], hours[1]) for day in range(7) for hours in ((8, 12), (13, 17))]


def to_string(moment):
    return fields.Datetime.to_string(moment)


def local_midnight(tz_name, days=0):
    """Naive UTC datetime of the local midnight ``days`` days from today in ``tz_name``."""
    now = fields.Datetime.from_string(fields.Datetime.now())
    return absence.local_midnights(tz_name, now, days_before=max(-days, 0),
                                   days_after=max(days, 0))[0 if days < 0 else -1]


class AbsenceCase(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(AbsenceCase, cls).setUpClass()
        cls.Leave = cls.env['resource.calendar.leaves']
        for user in cls.sales:
            user.tz = VN
        cls.all_day = cls.create_calendar('Every hour of every day', ALL_DAY)
        cls.office = cls.create_calendar('Office hours every day', OFFICE_EVERY_DAY)

    @classmethod
    def create_calendar(cls, name, attendances):
        return cls.env['resource.calendar'].create({
            'name': name,
            'company_id': cls.company.id,
            'attendance_ids': [(5,)] + [(0, 0, {
                'name': '%s %s' % (day, hour_from), 'dayofweek': str(day),
                'hour_from': hour_from, 'hour_to': hour_to,
            }) for day, hour_from, hour_to in attendances],
        })

    @classmethod
    def never_now_calendar(cls, tz_name=VN):
        """Working one hour a day, every day, starting two hours from now (local)."""
        now = pytz.utc.localize(fields.Datetime.from_string(fields.Datetime.now()))
        start = (now.astimezone(pytz.timezone(tz_name)).hour + 2) % 24
        return cls.create_calendar('Never at this hour', [(day, start, start + 1)
                                                          for day in range(7)])

    def team_of(self, name, users, calendar=None, capacity=30, **values):
        team = self.create_team(name, leader=self.leader_north,
                                members=[(user, capacity) for user in users],
                                resource_calendar_id=(calendar or self.all_day).id, **values)
        team.routing_member_ids.write({'resource_calendar_id': (calendar or self.all_day).id})
        return team

    def member(self, team, user):
        return team.routing_member_ids.filtered(lambda m: m.user_id == user)

    def leave(self, user_or_calendar, start, end, name="Nghỉ phép", as_user=None):
        """A leave of ``user_or_calendar`` (a member: their resource; a calendar: a public
        holiday), created as ``as_user`` (default: a sales manager)."""
        values = {'name': name, 'date_from': to_string(start), 'date_to': to_string(end)}
        if user_or_calendar._name == 'crm.team.member':
            values.update(resource_id=user_or_calendar.resource_id.id,
                          calendar_id=user_or_calendar.resource_calendar_id.id)
        else:
            values.update(resource_id=False, calendar_id=user_or_calendar.id)
        return self.Leave.sudo(as_user or self.manager).create(values)

    def now(self):
        return fields.Datetime.from_string(fields.Datetime.now())

    @contextmanager
    def clock(self, moment):
        """The router's clock (absences, hours, quotas, the run) fixed at ``moment``."""
        router = type(self.env['crm.lead.router'])
        with patch.object(router, '_now', lambda self: to_string(moment)):
            self.env['crm.team.member'].invalidate_cache()
            yield
        self.env['crm.team.member'].invalidate_cache()

    def routed(self, team, count, prefix='Lead'):
        leads = self.create_leads(count, prefix=prefix)
        self.route(team.sudo(self.manager))
        return leads


class TestAbsence(AbsenceCase):

    def test_member_resource_created_and_reused(self):
        team = self.team_of('Resources', self.sales[:2], calendar=self.office)
        first = self.member(team, self.sales[0])
        self.assertEqual(first.resource_id.user_id, self.sales[0])
        self.assertEqual(first.resource_id.company_id, self.company)
        other = self.create_team('Other', members=[(self.sales[0], 10)],
                                 resource_calendar_id=self.all_day.id)
        again = self.member(other, self.sales[0])
        self.assertEqual(again.resource_id, first.resource_id, "one resource per company")
        self.assertEqual(again.resource_calendar_id, self.office, "reused with its calendar")
        # A sales manager (not an administrator) adds members and sets their working hours.
        third = self.Member.sudo(self.manager).create({
            'team_id': team.id, 'user_id': self.sales[2].id, 'assignment_max': 5})
        self.assertEqual(third.resource_calendar_id, self.office, "the team's working hours")
        third.write({'resource_calendar_id': self.all_day.id})
        self.assertEqual(third.resource_id.calendar_id, self.all_day)
        with self.assertRaises(AccessError):
            third.sudo(self.sales[2]).write({'resource_calendar_id': self.all_day.id})

    def test_members_made_before_resources_get_one_on_upgrade(self):
        team = self.team_of('Old members', self.sales[:1])
        member = self.member(team, self.sales[0])
        resource = member.resource_id
        self.env.cr.execute("UPDATE crm_team_member SET resource_id = NULL WHERE id = %s",
                            (member.id,))
        member.invalidate_cache()
        self.assertFalse(member.is_absent, "no resource: no absence, no crash")
        self.assertEqual(member.assignment_quota, 30)
        self.Member._routing_ensure_all_resources()
        member.invalidate_cache()
        self.assertEqual(member.resource_id, resource, "the user's resource, reused")

    def test_on_leave_now_is_skipped(self):
        team = self.team_of('Leave now', self.sales[:2])
        binh = self.member(team, self.sales[0])
        end = self.now() + timedelta(days=2)
        self.leave(binh, self.now() - timedelta(hours=1), end)
        self.assertTrue(binh.is_absent)
        self.assertEqual(binh.leave_date_to, to_string(end))
        self.assertIn(binh, self.Member.search([('is_absent', '=', True)]))
        self.assertNotIn(binh, self.Member.search([('is_absent', '=', False)]))
        leads = self.routed(team, 4)
        self.assertEqual(leads.mapped('user_id'), self.sales[1])

    def test_adjoining_leaves_merged(self):
        team = self.team_of('Merged', self.sales[:1])
        binh = self.member(team, self.sales[0])
        middle = self.now() + timedelta(days=1)
        end = self.now() + timedelta(days=3)
        self.leave(binh, self.now() - timedelta(hours=1), middle)
        self.leave(binh, middle, end, name="Nghỉ ốm")
        self.assertEqual(binh.leave_date_to, to_string(end))

    def test_leave_tomorrow_is_not_skipped(self):
        team = self.team_of('Leave tomorrow', self.sales[:2], calendar=self.office)
        binh = self.member(team, self.sales[0])
        self.leave(binh, local_midnight(VN, 1), local_midnight(VN, 2))
        self.assertFalse(binh.is_absent)
        leads = self.routed(team, 4)
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 2, self.sales[1]: 2})

    def test_public_holiday_stops_everyone(self):
        team = self.team_of('Tet', self.sales[:2])
        holiday_end = local_midnight(VN, 3)
        self.leave(self.all_day, local_midnight(VN, -1), holiday_end, name="Tết")
        self.assertTrue(all(team.routing_member_ids.mapped('is_absent')))
        leads = self.routed(team, 3)
        self.assertFalse(leads.mapped('user_id'))
        self.assertEqual(leads.mapped('team_id'), team, "they wait in the team")
        for lead in leads:
            rows = lead.assignment_log_ids.filtered(lambda row: row.kind == 'unassigned')
            self.assertEqual(len(rows), 1)
            for user in self.sales[:2]:
                self.assertIn('%s: on leave until' % user.name, rows.reason)
        self.route(team.sudo(self.manager))
        self.assertEqual(len(leads.mapped('assignment_log_ids').filtered(
            lambda row: row.kind == 'unassigned')), 3, "said once")

    def test_reason_names_ten_members_at_most(self):
        users = self.sales + [self.create_user('routing_extra_%d' % index,
                                               'sales_team.group_sale_salesman', tz=VN)
                              for index in range(8)]
        team = self.team_of('Crowd', users, assignment_hours_only=True)
        members = team.routing_member_ids
        members[:6].write({'assignment_domain': "[('name', '=', 'Nobody')]"})
        members[6:10].write({'resource_calendar_id': self.never_now_calendar().id})
        members[10:].write({'assignment_optout': True})
        lead = self.routed(team, 1)
        reason = lead.assignment_log_ids.filtered(lambda row: row.kind == 'unassigned').reason
        self.assertEqual(reason.count('outside working hours'), 4, "first the unavailable")
        self.assertEqual(reason.count('filter does not match'), 6)
        self.assertIn('2 more', reason, "the two paused members are counted, not named")

    def test_team_with_nobody_available_ranks_last(self):
        away = self.team_of('Away', self.sales[:1], sequence=1)
        there = self.team_of('There', self.sales[1:2], sequence=2)
        self.leave(self.member(away, self.sales[0]), self.now() - timedelta(hours=1),
                   self.now() + timedelta(days=1))
        # 'There' already carries a load: without the absence, 'Away' would win every lead.
        self.create_leads(3, team_id=there.id)
        leads = self.create_leads(2, prefix='New')
        self.route((away | there).sudo(self.manager), leads=leads)
        self.assertEqual(leads.mapped('team_id'), there)
        self.assertEqual(leads.mapped('user_id'), self.sales[1])

    def test_full_day_leave_counts_from_midnight_in_ho_chi_minh(self):
        team = self.team_of('Saigon', self.sales[:2], calendar=self.office)
        binh = self.member(team, self.sales[0])
        # The latest 06:30 in Ho Chi Minh City, and that day's leave, 08:00-17:00 there.
        morning = local_midnight(VN) + timedelta(hours=6, minutes=30)
        if morning > self.now():
            morning -= timedelta(days=1)
        leave_start, leave_end = morning + timedelta(hours=1, minutes=30), \
            morning + timedelta(hours=10, minutes=30)
        self.assertEqual(leave_start.hour, 1, "08:00 in Ho Chi Minh City is 01:00 UTC")
        self.leave(binh, leave_start, leave_end, name="Nghỉ cả ngày")
        with self.clock(morning):
            self.assertTrue(binh.is_absent, "absent from midnight, before the leave begins")
            self.assertEqual(binh.leave_date_to, to_string(leave_end))
            leads = self.routed(team, 2)
            self.assertEqual(leads.mapped('user_id'), self.sales[1])
            # Without a time zone of their own nor their company's, the day is UTC's: at 23:30
            # UTC the rest of the day holds no working hour, the leave is tomorrow's.
            self.sales[0].tz = False
            self.company.partner_id.tz = False
            binh.invalidate_cache()
            self.assertFalse(binh.is_absent)
            self.company.partner_id.tz = VN
            binh.invalidate_cache()
            self.assertTrue(binh.is_absent, "the company's time zone when the user has none")
        with self.clock(leave_end + timedelta(minutes=1)):
            self.assertFalse(binh.is_absent, "back once the leave is over")

    def test_pro_rated_quota(self):
        team = self.team_of('Back from leave', self.sales[:2], calendar=self.office)
        binh = self.member(team, self.sales[0])
        # The 15 local days before today, on a calendar working every day: 15 of 30 days.
        self.leave(binh, local_midnight(VN, -15), local_midnight(VN))
        self.assertFalse(binh.is_absent)
        self.assertEqual(binh.assignment_quota, 15)
        self.assertEqual(self.member(team, self.sales[1]).assignment_quota, 30)
        self.assertEqual(team.assignment_max, 45)
        leads = self.routed(team, 30)
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 10, self.sales[1]: 20})

    def test_catch_up_after_absences(self):
        team = self.team_of('Catch up', self.sales[:2], calendar=self.office,
                            assignment_absence_catchup=True)
        binh = self.member(team, self.sales[0])
        self.leave(binh, local_midnight(VN, -15), local_midnight(VN))
        self.assertEqual(binh.assignment_quota, 30)
        leads = self.routed(team, 30)
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 15, self.sales[1]: 15})

    def test_half_days_and_rounding(self):
        team = self.team_of('Half days', self.sales[:1], calendar=self.office, capacity=10)
        binh = self.member(team, self.sales[0])
        # Three mornings (08:00-12:00 of an 8-hour day): 1.5 days of 30; 10 x 28.5 / 30 = 9.5.
        for days in (-3, -2, -1):
            start = local_midnight(VN, days) + timedelta(hours=8)
            self.leave(binh, start, start + timedelta(hours=4))
        self.assertEqual(binh.assignment_quota, 10, "9.5 rounds half up")
        self.leave(binh, local_midnight(VN, -5), local_midnight(VN, -4))
        binh.invalidate_cache()
        self.assertEqual(binh.assignment_quota, 9, "2.5 days: 9.17")

    def test_calendar_without_attendance(self):
        empty = self.create_calendar('No attendance', [])
        team = self.team_of('No hours', self.sales[:1], calendar=empty,
                            assignment_hours_only=True)
        binh = self.member(team, self.sales[0])
        self.leave(binh, local_midnight(VN, -15), local_midnight(VN))
        self.assertEqual(binh.assignment_quota, 30, "no working day: nothing pro-rated")
        leads = self.routed(team, 2)
        self.assertEqual(leads.mapped('user_id'), self.sales[0], "no hours: never off hours")

    def test_outside_working_hours_skipped_inside_taken(self):
        team = self.team_of('Shifts', self.sales[:2], capacity=2, assignment_hours_only=True)
        night = self.never_now_calendar()
        self.member(team, self.sales[1]).resource_calendar_id = night
        leads = self.routed(team, 3)
        self.assertEqual(self.counts_by_user(leads),
                         {self.sales[0]: 2, self.env['res.users']: 1})
        waiting = leads.filtered(lambda lead: not lead.user_id)
        reason = waiting.assignment_log_ids.filtered(lambda row: row.kind == 'unassigned').reason
        self.assertIn('%s: outside working hours' % self.sales[1].name, reason)
        self.assertIn('%s: 2/2' % self.sales[0].name, reason)
        team.assignment_hours_only = False
        self.route(team.sudo(self.manager))
        self.assertEqual(waiting.user_id, self.sales[1], "hours count only when the team asks")

    def test_weights_two_to_one(self):
        team = self.team_of('Weights', self.sales[:2])
        self.member(team, self.sales[0]).assignment_weight = 2.0
        leads = self.routed(team, 30)
        self.assertEqual(self.counts_by_user(leads), {self.sales[0]: 20, self.sales[1]: 10})

    def test_reserve_member_only_when_others_cannot(self):
        team = self.team_of('Reserve', self.sales[:2], capacity=2)
        reserve = self.member(team, self.sales[1])
        reserve.write({'assignment_weight': 0.0, 'assignment_max': 30})
        first = self.routed(team, 2, prefix='First')
        self.assertEqual(first.mapped('user_id'), self.sales[0])
        later = self.routed(team, 3, prefix='Later')
        self.assertEqual(later.mapped('user_id'), self.sales[1], "the others are full")

    def test_bad_input_refused(self):
        team = self.team_of('Bad input', self.sales[:1])
        binh = self.member(team, self.sales[0])
        with self.assertRaises(ValidationError):
            self.leave(binh, self.now() + timedelta(days=2), self.now() + timedelta(days=1))
        for weight in (-1.0, float('inf')):
            with self.assertRaises(ValidationError):
                binh.assignment_weight = weight

    def test_route_on_create_and_preview_apply_absence(self):
        team = self.team_of('On create', self.sales[:2], assignment_on_create=True)
        self.leave(self.member(team, self.sales[0]), self.now() - timedelta(hours=1),
                   self.now() + timedelta(days=1))
        lead = self.Lead.create({'name': 'Web form', 'user_id': False, 'team_id': False})
        self.assertEqual(lead.user_id, self.sales[1])
        self.create_leads(2, prefix='Preview')
        result = team.sudo(self.manager)._action_assign_leads(mode='preview')
        self.assertEqual({decision.user_id for decision, _name, _reason in result.decisions
                          if decision.kind == 'member'}, {self.sales[1].id})

    def test_sla_skips_absent_colleague(self):
        team = self.team_of('SLA away', self.sales[:2], assignment_sla_hours=24)
        lead = self.routed(team, 1)
        holder = lead.user_id
        colleague = (self.sales[0] | self.sales[1]) - holder
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = now() at time zone 'UTC' "
                            "- interval '30 hours' WHERE id = %s", (lead.id,))
        lead.invalidate_cache()
        self.leave(self.member(team, colleague), self.now() - timedelta(hours=1),
                   self.now() + timedelta(days=1))
        self.env['crm.team']._cron_sla_reassign()
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, holder, "nobody there to take it back")


class TestAbsenceRights(AbsenceCase):
    """Leaders record absences of their teams' members, salespeople their own, managers all;
    CRM > Configuration > Absences lists routing members' leaves and their public holidays."""

    @classmethod
    def setUpClass(cls):
        super(TestAbsenceRights, cls).setUpClass()
        cls.team = cls.create_team('North', leader=cls.leader_north,
                                   members=[(cls.sales[0], 30), (cls.sales[1], 30)],
                                   resource_calendar_id=cls.all_day.id)
        cls.team.routing_member_ids.write({'resource_calendar_id': cls.all_day.id})
        cls.south = cls.create_team('South', leader=cls.leader_south,
                                    members=[(cls.sales[2], 30)])

    def test_team_leader_records_absences_of_their_members(self):
        start, end = self.now() + timedelta(days=1), self.now() + timedelta(days=2)
        member = self.member(self.team, self.sales[0])
        leave = self.leave(member, start, end, as_user=self.leader_north)
        self.assertEqual(self.Leave.sudo(self.leader_north).search([('id', '=', leave.id)]),
                         leave)
        leave.sudo(self.leader_north).write({'name': 'Nghỉ phép năm'})
        with self.assertRaises(AccessError):
            self.leave(self.member(self.south, self.sales[2]), start, end,
                       as_user=self.leader_north)
        with self.assertRaises(AccessError):
            self.leave(self.all_day, start, end, as_user=self.leader_north)

    def test_salesperson_records_their_own(self):
        start, end = self.now() + timedelta(days=1), self.now() + timedelta(days=2)
        own = self.leave(self.member(self.team, self.sales[0]), start, end,
                         as_user=self.sales[0])
        self.assertTrue(own)
        with self.assertRaises(AccessError):
            self.leave(self.member(self.team, self.sales[1]), start, end, as_user=self.sales[0])
        with self.assertRaises(AccessError):
            self.leave(self.all_day, start, end, as_user=self.sales[0])

    def test_manager_records_all_and_the_menu_lists_routing_absences(self):
        start, end = self.now() + timedelta(days=1), self.now() + timedelta(days=2)
        leave = self.leave(self.member(self.south, self.sales[2]), start, end)
        holiday = self.leave(self.all_day, start, end, name="Quốc khánh")
        stranger = self.env['resource.resource'].create({
            'name': 'Not in routing', 'company_id': self.company.id,
            'calendar_id': self.office.id})
        elsewhere = self.Leave.create({'name': 'Other', 'resource_id': stranger.id,
                                       'date_from': to_string(start), 'date_to': to_string(end)})
        action = self.env.ref('crm_team_routing.resource_calendar_leaves_action_routing')
        listed = self.Leave.sudo(self.manager).search(safe_eval(action.domain))
        self.assertIn(leave, listed)
        self.assertIn(holiday, listed)
        self.assertNotIn(elsewhere, listed)
        self.assertIn(self.env.ref('crm_team_routing.resource_calendar_leaves_menu_routing'),
                      self.env['ir.ui.menu'].sudo(self.manager).search([]))

    def test_add_absence_button(self):
        member = self.member(self.team, self.sales[0])
        action = member.sudo(self.leader_north).action_add_absence()
        self.assertEqual(action['res_model'], 'resource.calendar.leaves')
        self.assertEqual(action['context']['default_resource_id'], member.resource_id.id)
        start, end = self.now() + timedelta(days=1), self.now() + timedelta(days=2)
        leave = self.Leave.sudo(self.leader_north).with_context(**action['context']).create({
            'date_from': to_string(start), 'date_to': to_string(end)})
        self.assertEqual(leave.resource_id, member.resource_id)
        self.assertEqual(leave.calendar_id, self.all_day)


@common.at_install(False)
@common.post_install(True)
class TestAbsenceRules(unittest.TestCase):
    """routing.absence without a database: fixed moments, naive UTC."""

    WEEK = [(day, 8, 12) for day in range(5)] + [(day, 13, 17) for day in range(5)]
    # Wednesday 2 December 2026, 06:30 in Ho Chi Minh City.
    NOW = datetime(2026, 12, 1, 23, 30)

    def test_full_day_leave_from_midnight(self):
        leave = [(datetime(2026, 12, 2, 1), datetime(2026, 12, 2, 10))]  # 08:00-17:00 local
        self.assertEqual(absence.absent_until(leave, self.WEEK, VN, self.NOW),
                         datetime(2026, 12, 2, 10))
        self.assertIsNone(absence.absent_until(leave, self.WEEK, 'UTC', self.NOW))
        self.assertIsNone(absence.absent_until(leave, self.WEEK, VN, datetime(2026, 12, 2, 10)))

    def test_partial_day_is_not_an_absence(self):
        morning = [(datetime(2026, 12, 2, 1), datetime(2026, 12, 2, 5))]  # 08:00-12:00 local
        self.assertIsNone(absence.absent_until(morning, self.WEEK, VN, self.NOW))
        self.assertEqual(absence.absent_until(morning, self.WEEK, VN, datetime(2026, 12, 2, 2)),
                         datetime(2026, 12, 2, 5))
        afternoon = [(datetime(2026, 12, 2, 6), datetime(2026, 12, 2, 10))]  # 13:00-17:00
        self.assertEqual(absence.absent_until(afternoon, self.WEEK, VN,
                                              datetime(2026, 12, 2, 5, 30)),
                         datetime(2026, 12, 2, 10), "the rest of the working day")

    def test_leaves_merged_and_followed(self):
        leaves = [(datetime(2026, 12, 1), datetime(2026, 12, 3)),
                  (datetime(2026, 12, 3), datetime(2026, 12, 5)),
                  (datetime(2026, 12, 4), datetime(2026, 12, 6))]
        self.assertEqual(absence.absent_until(leaves, [], 'UTC', self.NOW),
                         datetime(2026, 12, 6))

    def test_off_hours(self):
        self.assertTrue(absence.off_hours(self.WEEK, VN, self.NOW))               # 06:30
        self.assertFalse(absence.off_hours(self.WEEK, VN, datetime(2026, 12, 2, 2)))  # 09:00
        self.assertTrue(absence.off_hours(self.WEEK, VN, datetime(2026, 12, 5, 2)))   # Sat
        self.assertFalse(absence.off_hours([], VN, self.NOW), "no schedule: never off hours")

    def test_quota(self):
        every_day = [(day, 8, 17) for day in range(7)]
        today = datetime(2026, 12, 1, 17)  # local midnight of 2 December
        fifteen = [(today - timedelta(days=15), today)]
        self.assertEqual(absence.leave_days(fifteen, every_day, VN, self.NOW), (15, 30))
        self.assertEqual(absence.quota(30, fifteen, every_day, VN, self.NOW), 15)
        self.assertEqual(absence.quota(30, fifteen, every_day, VN, self.NOW, catchup=True), 30)
        self.assertEqual(absence.quota(30, fifteen, [], VN, self.NOW), 30)
        self.assertEqual(absence.quota(0, fifteen, every_day, VN, self.NOW), 0)
        # Weekdays only: the 15 days hold 11 working days of 22.
        self.assertEqual(absence.leave_days(fifteen, self.WEEK, VN, self.NOW), (11, 22))
        self.assertEqual(absence.quota(30, fifteen, self.WEEK, VN, self.NOW), 15)
        # A quarter of the window: 30 x 3/4 = 22.5, rounded half up.
        quarter = [(today - timedelta(days=30), today - timedelta(days=23) + timedelta(hours=12.5))]
        self.assertEqual(absence.leave_days(quarter, every_day, VN, self.NOW)[0], 7.5)
        self.assertEqual(absence.quota(30, quarter, every_day, VN, self.NOW), 23)
        # Today's leave is not in the window: the person is absent, not pro-rated.
        self.assertEqual(absence.quota(30, [(today, today + timedelta(days=1))], every_day, VN,
                                       self.NOW), 30)
