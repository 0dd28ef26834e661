# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Boundaries of absences (DESIGN.md revision 3, "Absences"): a leave is recorded or moved only
onto a resource its writer may record for, checked on the leave as it is after the write; sales
managers get no rights on leaves that are not routing's (HR's, employees who are no routing
member); a member's working hours are written with the writer's rights unless the resource is
routing's own."""
import importlib.util
import os
import unittest
from datetime import timedelta
from unittest.mock import patch
from xmlrpc.client import Fault

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import common

from ..models import resource_resource
from ..routing import policy
from .common import RoutingCase

MIGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         'migrations', '11.0.1.2.0', 'post-migration.py')


def to_string(moment):
    return fields.Datetime.to_string(moment)


def load_migration():
    spec = importlib.util.spec_from_file_location('crm_team_routing_migration_1_2', MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AbsenceBoundaryCase(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(AbsenceBoundaryCase, cls).setUpClass()
        cls.Leave = cls.env['resource.calendar.leaves']
        cls.Resource = cls.env['resource.resource']
        cls.full_time = cls.calendar('40 h', [(day, 8, 12) for day in range(5)]
                                     + [(day, 13, 17) for day in range(5)])
        cls.part_time = cls.calendar('Part time', [(day, 8, 12) for day in range(5)])
        # North: leader_north with sales 1 and 2; South: leader_south with sales 3.
        cls.create_north_south([cls.sales[2]])
        # An employee without Sales rights, with an HR schedule: a resource an administrator
        # made (as HR would), no routing membership.
        cls.employee_resource = cls.Resource.create({
            'name': cls.employee.name, 'user_id': cls.employee.id,
            'company_id': cls.company.id, 'calendar_id': cls.full_time.id})
        start = cls.now() + timedelta(days=1)
        cls.start, cls.end = start, start + timedelta(days=2)
        cls.sick_leave = cls.Leave.create({
            'name': 'Sick leave', 'resource_id': cls.employee_resource.id,
            'calendar_id': cls.full_time.id,
            'date_from': to_string(cls.start), 'date_to': to_string(cls.end)})

    @classmethod
    def calendar(cls, name, attendances):
        return cls.env['resource.calendar'].create({
            'name': name,
            'company_id': cls.company.id,
            'attendance_ids': [(5,)] + [(0, 0, {
                'name': '%s %s' % (day, hour_from), 'dayofweek': str(day),
                'hour_from': hour_from, 'hour_to': hour_to,
            }) for day, hour_from, hour_to in attendances],
        })

    @classmethod
    def now(cls):
        return fields.Datetime.from_string(fields.Datetime.now())

    def resource_of(self, team, user):
        return self.member_of(team, user).resource_id

    def leave_of(self, resource, as_user, name='Nghỉ phép'):
        """A leave of ``resource`` (False: a public holiday of the 40 h calendar), created as
        ``as_user``."""
        return self.Leave.sudo(as_user).create({
            'name': name, 'resource_id': resource.id if resource else False,
            'calendar_id': resource.calendar_id.id if resource else self.full_time.id,
            'date_from': to_string(self.start), 'date_to': to_string(self.end)})

    def assertRefused(self, who, call):
        """``call()`` is refused with an AccessError, and what it wrote is rolled back."""
        with self.assertRaisesFor(AccessError, who.login) as caught:
            with self.env.cr.savepoint():
                call()
        self.env['resource.calendar.leaves'].invalidate_cache()
        return caught.exception


class TestAbsenceBoundaries(AbsenceBoundaryCase):

    def test_salesperson_cannot_move_own_leave_onto_a_colleague(self):
        own, colleague = self.resource_of(self.north, self.sales[0]), \
            self.resource_of(self.north, self.sales[1])
        leave = self.leave_of(own, self.sales[0])
        mine = leave.sudo(self.sales[0])
        error = self.assertRefused(self.sales[0], lambda: mine.write(
            {'resource_id': colleague.id}))
        self.assertIn('yourself', error.name)
        self.assertEqual(leave.resource_id, own, "the leave stays where it was")
        self.assertFalse(self.member_of(self.north, self.sales[1]).is_absent)
        # Nor onto the employee's, nor into a public holiday for everyone.
        self.assertRefused(self.sales[0], lambda: mine.write(
            {'resource_id': self.employee_resource.id}))
        self.assertRefused(self.sales[0], lambda: mine.write({'resource_id': False}))
        # Nor created there in the first place.
        self.assertRefused(self.sales[0], lambda: self.leave_of(colleague, self.sales[0]))
        # Their own leave, they move in time as they like.
        mine.write({'date_to': to_string(self.end + timedelta(days=1))})
        self.assertEqual(leave.date_to, to_string(self.end + timedelta(days=1)))

    def test_leader_records_and_moves_within_their_teams_only(self):
        first, second = self.resource_of(self.north, self.sales[0]), \
            self.resource_of(self.north, self.sales[1])
        south = self.resource_of(self.south, self.sales[2])
        leave = self.leave_of(first, self.leader_north)
        leave.sudo(self.leader_north).write({'resource_id': second.id})
        self.assertEqual(leave.resource_id, second, "both are members of North")
        for target in (south, self.employee_resource):
            self.assertRefused(self.leader_north, lambda: leave.sudo(self.leader_north).write(
                {'resource_id': target.id}))
            self.assertEqual(leave.resource_id, second)
        self.assertRefused(self.leader_north, lambda: leave.sudo(self.leader_north).write(
            {'resource_id': False}))
        # South's leader may not take a North leave either (the rules say so before the write).
        self.assertRefused(self.leader_south, lambda: leave.sudo(self.leader_south).write(
            {'resource_id': south.id}))

    def test_manager_records_for_routing_members_not_for_other_employees(self):
        member = self.resource_of(self.south, self.sales[2])
        leave = self.leave_of(member, self.manager)
        self.assertEqual(leave.resource_id, member, "a routing member of their company")
        holiday = self.leave_of(False, self.manager, name='Quốc khánh')
        self.assertFalse(holiday.resource_id, "public holidays of their company")
        Leave = self.Leave.sudo(self.manager)
        # The employee's "Sick leave": not found, not readable, not movable, not writable.
        self.assertFalse(Leave.search([('id', '=', self.sick_leave.id)]))
        self.assertRefused(self.manager, lambda: self.sick_leave.sudo(self.manager).read(
            ['name']))
        self.assertRefused(self.manager, lambda: self.sick_leave.sudo(self.manager).write(
            {'resource_id': member.id}))
        self.assertRefused(self.manager, lambda: self.sick_leave.sudo(self.manager).write(
            {'name': 'Moved'}))
        # Nor put onto the employee: moved there, or created there.
        self.assertRefused(self.manager, lambda: leave.sudo(self.manager).write(
            {'resource_id': self.employee_resource.id}))
        self.assertEqual(leave.resource_id, member)
        self.assertRefused(self.manager,
                           lambda: self.leave_of(self.employee_resource, self.manager))
        self.assertEqual(self.sick_leave.sudo().resource_id, self.employee_resource)
        self.assertEqual(self.sick_leave.sudo().name, 'Sick leave')

    def test_manager_of_another_company_records_nothing_here(self):
        self.create_company_b()
        member = self.resource_of(self.north, self.sales[0])
        self.assertRefused(self.manager_b, lambda: self.leave_of(member, self.manager_b))
        self.assertRefused(self.manager_b, lambda: self.leave_of(False, self.manager_b))

    def test_add_absence_button_for_leaders_and_managers(self):
        member = self.member_of(self.north, self.sales[0])
        for user in (self.leader_north, self.manager):
            action = member.sudo(user).action_add_absence()
            leave = self.Leave.sudo(user).with_context(**action['context']).create({
                'date_from': to_string(self.start), 'date_to': to_string(self.end)})
            self.assertEqual(leave.resource_id, member.resource_id, user.login)
            leave.write({'date_to': to_string(self.end + timedelta(hours=4))})
        # A leader of another team opens the dialog but cannot save the leave.
        action = member.sudo(self.leader_south).action_add_absence()
        self.assertRefused(self.leader_south, lambda: self.Leave.sudo(
            self.leader_south).with_context(**action['context']).create({
                'date_from': to_string(self.start), 'date_to': to_string(self.end)}))


class TestMemberWorkingHours(AbsenceBoundaryCase):

    def test_manager_sets_the_hours_of_a_resource_routing_made(self):
        member = self.member_of(self.north, self.sales[0])
        self.assertTrue(member.resource_id.routing_created)
        member.sudo(self.manager).write({'resource_calendar_id': self.part_time.id})
        self.assertEqual(member.resource_id.calendar_id, self.part_time)

    def test_manager_may_not_change_an_employees_hr_schedule(self):
        """The salesperson had a resource already (HR's, on 40 h): the membership reuses it, and
        the manager who may not write it directly may not write it through the member."""
        hr_resource = self.Resource.create({
            'name': self.sales[3].name, 'user_id': self.sales[3].id,
            'company_id': self.company.id, 'calendar_id': self.full_time.id})
        member = self.Member.sudo(self.manager).create({
            'team_id': self.north.id, 'user_id': self.sales[3].id, 'assignment_max': 10})
        self.assertEqual(member.resource_id, hr_resource, "reused, not written")
        self.assertFalse(hr_resource.routing_created)
        self.assertRefused(self.manager, lambda: hr_resource.sudo(self.manager).write(
            {'calendar_id': self.part_time.id}))
        error = self.assertRefused(self.manager, lambda: member.sudo(self.manager).write(
            {'resource_calendar_id': self.part_time.id}))
        self.assertIn(self.sales[3].name, error.name)
        self.assertIn('HR', error.name)
        hr_resource.invalidate_cache()
        self.assertEqual(hr_resource.calendar_id, self.full_time, "the HR schedule is kept")
        # Nor when adding them with working hours.
        self.assertRefused(self.manager, lambda: self.Member.sudo(self.manager).create({
            'team_id': self.south.id, 'user_id': self.sales[3].id,
            'resource_calendar_id': self.part_time.id}))
        # The same hours again change nothing and are no error; the system may change them.
        member.sudo(self.manager).write({'resource_calendar_id': self.full_time.id})
        member.sudo().write({'resource_calendar_id': self.part_time.id})
        hr_resource.invalidate_cache()
        self.assertEqual(hr_resource.calendar_id, self.part_time)

    def test_a_routing_resource_another_model_uses_is_no_longer_routings(self):
        """A resource routing made, once another model refers to it (an employee of hr, which
        may not be installed here: leaves stand for it), is written with the writer's rights."""
        member = self.member_of(self.north, self.sales[1])
        resource = member.resource_id
        hours = resource.calendar_id
        self.assertEqual(resource._routing_own(), resource)
        self.leave_of(resource, self.manager)
        with patch.object(resource_resource, 'ROUTING_REFERENCES', ('crm.team.member',)):
            self.assertEqual(resource._routing_used_elsewhere(), {resource.id})
            self.assertFalse(resource._routing_own())
            self.assertRefused(self.manager, lambda: member.sudo(self.manager).write(
                {'resource_calendar_id': self.part_time.id}))
        resource.invalidate_cache()
        self.assertEqual(resource.calendar_id, hours)


class TestAbsenceMigration(AbsenceBoundaryCase):

    def test_manager_rule_domain_written_by_the_migration(self):
        migration = load_migration()
        rule = self.env.ref('crm_team_routing.resource_calendar_leaves_rule_sale_manager')
        self.assertEqual(''.join(rule.domain_force.split()),
                         ''.join(migration.ABSENCE_MANAGER_DOMAIN.split()),
                         "the migration writes the XML's domain")
        # A database of 11.0.1.1.0: every leave of the manager's companies.
        rule.write({'domain_force': "['|', ('company_id', '=', False), "
                                    "('company_id', 'child_of', [user.company_id.id])]"})
        self.assertTrue(self.Leave.sudo(self.manager).search([('id', '=', self.sick_leave.id)]))
        migration.migrate_absence_rules(self.env.cr)
        self.env['ir.rule'].clear_caches()
        rule.invalidate_cache()
        self.assertEqual(rule.domain_force, migration.ABSENCE_MANAGER_DOMAIN)
        self.assertFalse(self.Leave.sudo(self.manager).search([('id', '=', self.sick_leave.id)]))

    def test_resources_routing_made_are_marked(self):
        migration = load_migration()
        made = self.resource_of(self.north, self.sales[0])
        hr_resource = self.Resource.create({
            'name': self.sales[3].name, 'user_id': self.sales[3].id,
            'company_id': self.company.id, 'calendar_id': self.full_time.id})
        # The HR resource existed before the membership that reuses it.
        self.env.cr.execute("UPDATE resource_resource SET create_date = create_date - "
                            "interval '1 day' WHERE id = %s", (hr_resource.id,))
        self.Member.create({'team_id': self.north.id, 'user_id': self.sales[3].id})
        self.env.cr.execute("UPDATE resource_resource SET routing_created = FALSE "
                            "WHERE id IN %s", ((made.id, hr_resource.id),))
        migration.migrate_routing_resources(self.env.cr)
        self.Resource.invalidate_cache()
        self.assertTrue(made.routing_created)
        self.assertFalse(hr_resource.routing_created)


@common.at_install(False)
@common.post_install(True)
class TestAbsencePolicy(unittest.TestCase):
    """routing.policy's absence rules, without a database."""

    def person(self, role, uid=10, companies=(1,)):
        return policy.Person(uid, role, False, frozenset(companies), frozenset())

    def test_check_absence(self):
        salesperson, leader = self.person(policy.SALESPERSON), self.person(policy.LEADER)
        manager = self.person(policy.MANAGER)
        self.assertIsNone(policy.check_absence(salesperson, 10, [], 1, True))
        self.assertTrue(policy.check_absence(salesperson, 11, [10], 1, True),
                        "a salesperson is no leader")
        self.assertIsNone(policy.check_absence(leader, 11, [10], 1, True))
        self.assertTrue(policy.check_absence(leader, 11, [12], 1, True))
        self.assertTrue(policy.check_absence(leader, None, [], 1, False, public_holiday=True))
        self.assertIsNone(policy.check_absence(manager, 11, [], 1, True))
        self.assertTrue(policy.check_absence(manager, 11, [], 1, False), "no routing member")
        self.assertTrue(policy.check_absence(manager, 11, [], 2, True), "another company")
        self.assertTrue(policy.check_absence(manager, None, [], 1, False),
                        "a resource of nobody (a room) is no public holiday")
        self.assertIsNone(policy.check_absence(manager, None, [], 1, False,
                                               public_holiday=True))
        self.assertTrue(policy.check_absence(manager, None, [], 2, False, public_holiday=True))
        self.assertIsNone(policy.check_absence(self.person(policy.SYSTEM), 11, [], 2, False))

    def test_member_calendar_writer(self):
        manager = self.person(policy.MANAGER)
        self.assertIsNone(policy.member_calendar_writer(manager, True, 1, 11))
        refusal = policy.member_calendar_writer(manager, False, 1, 11)
        self.assertEqual(refusal, policy.Refusal('calendar_not_routing', {'user': 11}))
        self.assertTrue(policy.member_calendar_writer(manager, True, 2, 11))
        self.assertTrue(policy.member_calendar_writer(self.person(policy.LEADER), True, 1, 11))
        self.assertIsNone(policy.member_calendar_writer(self.person(policy.SYSTEM), False, 2, 11))


@common.at_install(False)
@common.post_install(True)
class TestAbsenceXmlRpc(common.HttpCase):
    """Over XML-RPC, as the salesperson: their own leave does not move onto a colleague."""

    def setUp(self):
        super(TestAbsenceXmlRpc, self).setUp()
        # The server works on the registry's test cursor (see test_xmlrpc.py).
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True))
        group = env.ref('sales_team.group_sale_salesman')
        Users = env['res.users'].with_context(no_reset_password=True)
        self.seller = Users.create({'name': 'Rpc Absent', 'login': 'rpc_absent',
                                    'password': 'rpc_absent', 'email': 'rpc_a@example.com',
                                    'groups_id': [(6, 0, [group.id])]})
        colleague = Users.create({'name': 'Rpc Colleague', 'login': 'rpc_colleague',
                                  'password': 'rpc_colleague', 'email': 'rpc_c@example.com',
                                  'groups_id': [(6, 0, [group.id])]})
        team = env['crm.team'].create({'name': 'Rpc absences',
                                       'company_id': env.ref('base.main_company').id})
        Member = env['crm.team.member']
        self.own = Member.create({'team_id': team.id, 'user_id': self.seller.id}).resource_id
        self.colleague = Member.create({'team_id': team.id,
                                        'user_id': colleague.id}).resource_id
        self.db = common.get_db_name()

    def test_salesperson_moves_own_leave_over_xmlrpc(self):
        uid = self.xmlrpc_common.login(self.db, 'rpc_absent', 'rpc_absent')
        self.assertEqual(uid, self.seller.id)

        def call(method, *args):
            return self.xmlrpc_object.execute(self.db, uid, 'rpc_absent',
                                              'resource.calendar.leaves', method, *args)

        now = fields.Datetime.from_string(fields.Datetime.now())
        leave_id = call('create', {
            'name': 'Nghỉ phép', 'resource_id': self.own.id,
            'date_from': to_string(now + timedelta(days=1)),
            'date_to': to_string(now + timedelta(days=2))})
        with self.assertRaises(Fault) as caught:
            call('write', [leave_id], {'resource_id': self.colleague.id})
        self.assertEqual(caught.exception.faultCode, 4, "AccessError arrives as fault 4")
        self.assertIn('yourself', caught.exception.faultString)
        rows = call('read', [leave_id], ['resource_id'])
        self.assertEqual(rows[0]['resource_id'][0], self.own.id)
        with self.assertRaises(Fault):
            call('create', {'name': 'Not mine', 'resource_id': self.colleague.id,
                            'date_from': to_string(now + timedelta(days=1)),
                            'date_to': to_string(now + timedelta(days=2))})
