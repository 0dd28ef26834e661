# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The follow-up ladder (DESIGN.md revision 3): an activity on assignment, a reminder, the
take-back, and a pause for repeated take-backs; as the real users."""
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch
from xmlrpc.client import Fault

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common

from ..routing import calendar, ladder
from .common import RoutingCase, ensure_vietnamese, set_other_records_aside

VN = 'Asia/Ho_Chi_Minh'
MODEL = 'crm.lead'


class TestLadder(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestLadder, cls).setUpClass()
        for user in cls.sales:
            user.tz = VN
        cls.team = cls.create_team('Ladder', leader=cls.leader_north,
                                   members=[(cls.sales[0], 30), (cls.sales[1], 30)],
                                   assignment_sla_hours=24, assignment_sla_max=1,
                                   assignment_activity=True, assignment_sla_remind_hours=4)
        cls.todo = cls.env.ref('mail.mail_activity_data_todo')

    @contextmanager
    def clock(self, moment):
        """The router's clock fixed at ``moment`` (a naive UTC datetime)."""
        router = type(self.env['crm.lead.router'])
        with patch.object(router, '_now', lambda self: fields.Datetime.to_string(moment)):
            yield

    def given_to(self, user, count=1, hours_ago=None, team=None):
        """``count`` leads routed to ``user`` (the team's other members paused meanwhile)."""
        leads = self.routed_to(user, team or self.team, count, prefix='Ladder %s' % user.login)
        if hours_ago is not None:
            self.age(leads, hours_ago)
        return leads

    def sla_run(self):
        self.env['crm.team']._cron_sla_reassign()
        self.env['crm.lead'].invalidate_cache()
        self.env['crm.team.member'].invalidate_cache()

    def activities_of(self, user, leads):
        """The activities ``user`` finds on ``leads``, as themselves."""
        return self.env['mail.activity'].sudo(user).search([
            ('res_model', '=', MODEL), ('res_id', 'in', leads.ids)])

    def notes_to(self, user):
        """Private messages to ``user`` (attached to no document)."""
        return self.env['mail.message'].search([
            ('model', '=', False), ('res_id', '=', False),
            ('partner_ids', 'in', user.partner_id.ids)])

    # ------------------------------------------------------------------------------------------
    # Activities
    # ------------------------------------------------------------------------------------------

    def test_activity_per_routed_lead_due_at_deadline_in_their_time_zone(self):
        # 20:00 UTC on 3 December: the deadline, 24 h later, is 03:00 on 5 December in Hanoi,
        # still 4 December in UTC.
        with self.clock(datetime(2026, 12, 3, 20, 0)):
            leads = self.given_to(self.sales[0], count=3)
        activities = self.activities_of(self.sales[0], leads)
        self.assertEqual(len(activities), 3, "one activity per routed lead")
        self.assertEqual(sorted(activities.mapped('res_id')), sorted(leads.ids))
        for activity in activities:
            lead = leads.filtered(lambda lead: lead.id == activity.res_id)
            self.assertEqual(activity.user_id, self.sales[0])
            self.assertEqual(activity.date_deadline, '2026-12-05')
            self.assertEqual(activity.activity_type_id, self.todo)
            self.assertEqual(activity.res_model_id.model, MODEL)
            self.assertEqual(activity.res_name, lead.name)
            self.assertTrue(activity.summary)
            self.assertTrue(activity.routing_assignment)
        lead = leads[0].sudo(self.sales[0])
        self.assertEqual(lead.activity_date_deadline, '2026-12-05')
        self.assertEqual(lead.activity_user_id, self.sales[0])
        self.assertFalse(self.activities_of(self.sales[1], leads),
                         "a colleague sees nothing of leads they may not read")

    def test_sql_activity_is_the_one_core_makes(self):
        """The set-based activity has every stored value core's ``create`` gives one."""
        lead = self.given_to(self.sales[0])
        ours = self.activities_of(self.sales[0], lead)
        core = self.env['mail.activity'].sudo(self.sales[0]).create({
            'res_model_id': self.env.ref('crm.model_crm_lead').id,
            'res_id': lead.id,
            'activity_type_id': self.todo.id,
            'user_id': self.sales[0].id,
            'summary': ours.summary,
            'date_deadline': ours.date_deadline,
        })
        for name in ('res_model_id', 'res_model', 'res_id', 'res_name', 'activity_type_id',
                     'summary', 'date_deadline', 'user_id', 'state', 'activity_category'):
            self.assertEqual(ours[name], core[name], name)
        self.assertTrue(ours.create_date and ours.write_date and ours.create_uid)

    def test_no_sla_due_today_and_team_without_activity(self):
        team = self.create_team('Ladder no SLA', members=[(self.sales[2], 30)],
                                assignment_activity=True)
        quiet = self.create_team('Ladder quiet', members=[(self.sales[3], 30)])
        with self.clock(datetime(2026, 12, 3, 18, 0)):  # 01:00 on 4 December in Hanoi
            lead = self.given_to(self.sales[2], team=team)
            other = self.given_to(self.sales[3], team=quiet)
        self.assertEqual(self.activities_of(self.sales[2], lead).date_deadline, '2026-12-04')
        self.assertFalse(self.activities_of(self.sales[3], other))

    def test_working_hours_deadline(self):
        office = self.env['resource.calendar'].create({
            'name': 'Ladder office',
            'company_id': self.company.id,
            'attendance_ids': [(5,)] + [(0, 0, {
                'name': 'Day %d %s' % (day, start), 'dayofweek': str(day),
                'hour_from': start, 'hour_to': end,
            }) for day in range(5) for start, end in ((8, 12), (13, 17))],
        })
        team = self.create_team('Ladder office', members=[(self.sales[2], 30)],
                                resource_calendar_id=office.id, assignment_sla_hours=8,
                                assignment_sla_working_hours=True, assignment_activity=True)
        team.routing_member_ids.write({'resource_calendar_id': office.id})
        # Friday 4 December, 09:00 in Hanoi: 7 working hours on Friday, the 8th on Monday.
        with self.clock(datetime(2026, 12, 4, 2, 0)):
            lead = self.given_to(self.sales[2], team=team)
        self.assertEqual(self.activities_of(self.sales[2], lead).date_deadline, '2026-12-07')

    def test_deadline_in_working_hours_plain(self):
        clock = calendar.WorkClock([(0, 8, 12)], 'UTC', [], datetime(2026, 11, 30),
                                   datetime(2026, 12, 31))
        # Monday 30 November 10:00 + 3 working hours: 2 on that Monday, 1 the next Monday.
        self.assertEqual(ladder.deadline(datetime(2026, 11, 30, 10), 3, clock),
                         datetime(2026, 12, 7, 9))
        self.assertIsNone(ladder.deadline(datetime(2026, 12, 28, 10), 100, clock))
        self.assertEqual(ladder.to_pause({(1, 2): (1, 2), (1, 3): (2, 3), (2, 4): (0, 5)},
                                         {1: 2}), [(1, 2, 2)])

    def test_activities_in_a_fixed_number_of_queries(self):
        few = self.given_to(self.sales[0], count=2)
        many = self.given_to(self.sales[1], count=20) | self.given_to(self.sales[0], count=20)
        router = self.env['crm.lead.router']

        def queries(leads):
            self.env.cr.execute("DELETE FROM mail_activity WHERE res_model = 'crm.lead' "
                                "AND res_id = ANY(%s)", (leads.ids,))
            self.env.cache.invalidate()
            before = self.env.cr.sql_log_count
            router._ladder_activities(leads.ids, fields.Datetime.now())
            return self.env.cr.sql_log_count - before
        queries(few)  # caches warm (model and type ids)
        self.assertEqual(queries(few), queries(many))
        self.assertEqual(len(self.activities_of(self.sales[0], many)), 20)

    def test_take_back_moves_the_activity(self):
        lead = self.given_to(self.sales[0], hours_ago=30)
        self.assertEqual(len(self.activities_of(self.sales[0], lead)), 1)
        self.sla_run()
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertFalse(self.env['mail.activity'].search([
            ('res_model', '=', MODEL), ('res_id', '=', lead.id),
            ('user_id', '=', self.sales[0].id)]), "the previous holder's activity is removed")
        new = self.activities_of(self.sales[1], lead)
        self.assertEqual(len(new), 1)
        self.assertEqual(new.user_id, self.sales[1])

    def test_reassignment_by_a_person_moves_the_activity(self):
        lead = self.given_to(self.sales[0])
        mine = self.env['mail.activity'].sudo(self.sales[0]).create({
            'res_model_id': self.env.ref('crm.model_crm_lead').id, 'res_id': lead.id,
            'activity_type_id': self.todo.id, 'user_id': self.sales[0].id,
            'summary': 'My own call'})
        lead.sudo(self.leader_north).write({'user_id': self.sales[1].id})
        left = self.env['mail.activity'].search([('res_model', '=', MODEL),
                                                 ('res_id', '=', lead.id)])
        self.assertEqual(left.filtered('routing_assignment').user_id, self.sales[1])
        self.assertIn(mine, left, "an activity a person planned is not routing's to remove")
        lead.sudo(self.leader_north).write({'user_id': False})
        self.assertFalse(self.env['mail.activity'].search([
            ('res_model', '=', MODEL), ('res_id', '=', lead.id),
            ('routing_assignment', '=', True)]))

    def test_activity_done_is_a_touch(self):
        lead = self.given_to(self.sales[0], hours_ago=30)
        activity = self.activities_of(self.sales[0], lead)
        activity.action_feedback(feedback="Called, meeting on Monday")
        self.assertTrue(lead.last_followup_date)
        before = self.notes_to(self.sales[0])
        self.sla_run()
        self.assertEqual(lead.user_id, self.sales[0], "followed up: not taken back")
        self.assertEqual(self.notes_to(self.sales[0]), before, "and not reminded")

    # ------------------------------------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------------------------------------

    def test_reminder_once_per_assignment_not_after_a_touch(self):
        due, touched, fresh = self.given_to(self.sales[0], count=3, hours_ago=5)
        self.age(fresh, 1)
        touched.sudo(self.sales[0]).message_post(body="Sent the price list",
                                                 message_type='comment', subtype='mail.mt_note')
        before = self.notes_to(self.sales[0])
        self.sla_run()
        self.assertEqual(due.user_id, self.sales[0], "reminded, not taken back")
        new = self.notes_to(self.sales[0]) - before
        self.assertEqual(len(new), 1, "one reminder per run")
        self.assertIn(due.name, new.body)
        self.assertNotIn(touched.name, new.body)
        self.assertNotIn(fresh.name, new.body)
        self.assertTrue(due.assignment_log_ids.sorted('id')[-1].reminded)
        self.sla_run()
        self.assertEqual(self.notes_to(self.sales[0]) - before, new, "not again next run")

    def test_reminder_in_their_language_and_private(self):
        ensure_vietnamese(self.env)
        self.sales[0].lang = 'vi_VN'
        lead = self.given_to(self.sales[0], hours_ago=5)
        self.sla_run()
        reminder = self.env['mail.message'].sudo(self.sales[0]).search([
            ('model', '=', False), ('partner_ids', 'in', self.sales[0].partner_id.ids),
            ('body', 'like', lead.name)]).filtered(lambda note: 'Chưa chăm sóc' in note.body)
        self.assertEqual(len(reminder), 1, "the salesperson reads their reminder, in Vietnamese")
        for other in (self.sales[1], self.employee):
            self.assertFalse(self.env['mail.message'].sudo(other).search(
                [('id', '=', reminder.id)]), other.login)
            with self.assertRaisesFor(AccessError, other.login):
                self.env['mail.message'].sudo(other).browse(reminder.id).read(['body'])

    def test_reminder_after_take_back_for_the_new_holder(self):
        self.team.assignment_sla_max = 2
        lead = self.given_to(self.sales[0], hours_ago=5)
        self.sla_run()
        self.age(lead, 30)
        self.sla_run()
        self.assertEqual(lead.user_id, self.sales[1])
        self.age(lead, 5)
        before = self.notes_to(self.sales[1])
        self.sla_run()
        new = self.notes_to(self.sales[1]) - before
        self.assertEqual(len(new.filtered(lambda note: lead.name in note.body)), 1,
                         "a new assignment is reminded again")

    # ------------------------------------------------------------------------------------------
    # Pause
    # ------------------------------------------------------------------------------------------

    def test_pause_after_n_take_backs_and_resume(self):
        self.team.assignment_sla_pause_after = 2
        member = self.member_of(self.team, self.sales[0])
        self.given_to(self.sales[0], hours_ago=30)
        self.sla_run()
        self.assertFalse(member.assignment_optout, "one take-back: not yet")
        before_user, before_leader = self.notes_to(self.sales[0]), self.notes_to(
            self.leader_north)
        self.given_to(self.sales[0], hours_ago=30)
        self.sla_run()
        self.assertTrue(member.assignment_optout, "the run making the 2nd take-back pauses")
        to_user = self.notes_to(self.sales[0]) - before_user
        to_leader = self.notes_to(self.leader_north) - before_leader
        pause_user = to_user.filtered(lambda note: 'paused' in note.body)
        pause_leader = to_leader.filtered(lambda note: 'paused' in note.body)
        self.assertEqual(len(pause_user), 1, "one note to them")
        self.assertEqual(len(pause_leader), 1, "one note to the leader")
        self.assertIn(self.sales[0].name, pause_leader.body)
        self.assertFalse(self.env['mail.message'].sudo(self.sales[1]).search(
            [('id', 'in', (pause_user | pause_leader).ids)]))
        # No new leads until resumed.
        leads = self.create_leads(4, prefix='After pause')
        self.route(self.team, leads=leads)
        self.assertEqual(leads.mapped('user_id'), self.sales[1])
        member.sudo(self.manager).write({'assignment_optout': False})
        more = self.create_leads(4, prefix='After resume')
        self.route(self.team, leads=more)
        self.assertIn(self.sales[0], more.mapped('user_id'))

    # ------------------------------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------------------------------

    def test_settings_validated(self):
        team = self.team.sudo(self.manager)
        self.assertEqual(self.create_team('Ladder default').assignment_activity_type_id,
                         self.todo)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            team.write({'assignment_sla_remind_hours': 24})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            team.write({'assignment_sla_pause_after': -1})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            team.write({'assignment_sla_hours': 0})
        team.invalidate_cache()
        team.write({'assignment_sla_remind_hours': 12, 'assignment_sla_pause_after': 3})
        self.assertEqual(team.assignment_sla_remind_hours, 12)


@common.at_install(False)
@common.post_install(True)
class TestLadderRpc(common.HttpCase):
    """The ladder's doors over XML-RPC, as the real users: the team's settings (validated),
    the follow-up activity (marked done by its salesperson, hidden from a colleague)."""

    def setUp(self):
        super(TestLadderRpc, self).setUp()
        # 11.0: the server works on the registry's test cursor (see test_rpc_doors.py).
        self.env = self.env(cr=self.registry.test_cr,
                            context=dict(self.env.context, tracking_disable=True,
                                         mail_notify_force_send=False))
        set_other_records_aside(self.env)
        self.db = common.get_db_name()
        self.manager = self.user('ladder_rpc_manager', 'sales_team.group_sale_manager')
        self.seller = self.user('ladder_rpc_seller', 'sales_team.group_sale_salesman')
        self.mate = self.user('ladder_rpc_mate', 'sales_team.group_sale_salesman')
        self.team = self.env['crm.team'].create({
            'name': 'Ladder Rpc', 'company_id': self.env.ref('base.main_company').id,
            'assignment_sla_hours': 24, 'assignment_activity': True})
        self.env['crm.team.member'].create({'team_id': self.team.id, 'user_id': self.seller.id,
                                            'assignment_max': 10})
        self.lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True).create({
            'name': 'Ladder Rpc lead', 'type': 'lead', 'user_id': False, 'team_id': False})
        self.team._action_assign_leads(mode='cron')

    def user(self, login, group_xmlid):
        company = self.env.ref('base.main_company')
        return self.env['res.users'].with_context(no_reset_password=True).create({
            'name': login.replace('_', ' ').title(), 'login': login, 'password': login,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, [self.env.ref(group_xmlid).id])],
            'company_id': company.id, 'company_ids': [(6, 0, [company.id])]})

    def call(self, user, model, method, *args, **kwargs):
        # The test cursor's commit is a savepoint (see test_rpc_doors.py).
        self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            return self.xmlrpc_object.execute_kw(self.db, user.id, user.login, model, method,
                                                 list(args), kwargs)
        finally:
            self.env.cache.invalidate()

    def test_settings_over_rpc(self):
        with self.assertRaises(Fault) as caught:
            self.call(self.manager, 'crm.team', 'write', [self.team.id],
                      {'assignment_sla_remind_hours': 30})
        self.assertEqual(caught.exception.faultCode, 1)
        self.assertIn('ValidationError', caught.exception.faultString)
        self.assertTrue(self.call(self.manager, 'crm.team', 'write', [self.team.id],
                                  {'assignment_sla_remind_hours': 20,
                                   'assignment_sla_pause_after': 3}))
        self.assertEqual(self.team.assignment_sla_remind_hours, 20)

    def test_activity_done_over_rpc_and_hidden_from_a_colleague(self):
        self.assertEqual(self.lead.user_id, self.seller)
        domain = [('res_model', '=', 'crm.lead'), ('res_id', '=', self.lead.id)]
        self.assertFalse(self.call(self.mate, 'mail.activity', 'search', domain),
                         "a colleague does not list the activities of a lead they cannot read")
        ids = self.call(self.seller, 'mail.activity', 'search', domain)
        self.assertEqual(len(ids), 1)
        self.call(self.seller, 'mail.activity', 'action_feedback', ids, feedback='Called')
        self.assertTrue(self.lead.last_followup_date, "marking it done is a touch")
        self.assertFalse(self.env['mail.activity'].search(domain))
