# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3, Boundaries: fields only the system writes, the same salesperson rewritten, the
log written by the system only and read by the leaders of the lead's team now, a lead entering
a team of another company."""
import importlib.util
import os

from odoo.exceptions import AccessError

from .common import RoutingCase

MIGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         'migrations', '11.0.1.2.0', 'post-migration.py')

PAST = '2026-11-01 08:00:00'
SYSTEM_VALUES = {
    'assignment_date': PAST,
    'last_followup_date': PAST,
    'sla_reassign_count': 3,
    'score': 99.0,
    'share_state': 'shared',
}


class TestBoundaryFields(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestBoundaryFields, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])
        # North's leader also works in South (a lead of theirs stays there), without leading it.
        cls.Member.create({'team_id': cls.south.id, 'user_id': cls.leader_north.id})
        cls.create_company_b()
        cls.team_b = cls.Team.create({'name': 'Team B', 'company_id': cls.company_b.id})
        # Works for both companies, in company B now.
        cls.manager_ab = cls.create_user(
            'routing_fields_ab', 'sales_team.group_sale_manager', company_id=cls.company_b.id,
            company_ids=[(6, 0, [cls.company.id, cls.company_b.id])])

    def own_lead(self, user, team=None, name='Fields'):
        team = team or self.north
        return self.Lead.sudo(user).with_context(crm_team_routing_no_route=True).create(
            {'name': name, 'user_id': user.id, 'team_id': team.id})

    def log_rows(self, lead):
        return self.env['crm.lead.assignment.log'].search([('lead_id', '=', lead.id)])

    # ------------------------------------------------------------------------------------------
    # Fields only the system writes
    # ------------------------------------------------------------------------------------------

    def test_system_fields_refused_to_salesperson_leader_and_all_documents(self):
        lead = self.own_lead(self.sales[0])
        before = lead.sudo().read(list(SYSTEM_VALUES))[0]
        for user in (self.sales[0], self.leader_north, self.all_leads):
            for name, value in SYSTEM_VALUES.items():
                with self.assertRaisesFor(AccessError, '%s writing %s' % (user.login, name)) \
                        as caught:
                    lead.sudo(user).write({name: value, 'description': 'with it'})
                self.assertIn('(%s)' % name, caught.exception.name, "the error names the field")
        lead.invalidate_cache()
        self.assertEqual(lead.sudo().read(list(SYSTEM_VALUES))[0], before)
        # A sales manager may (data migration).
        lead.sudo(self.manager).write(dict(SYSTEM_VALUES, share_state='to_share'))
        self.assertEqual((lead.score, lead.sla_reassign_count, lead.share_state),
                         (99.0, 3, 'to_share'))

    def test_system_fields_refused_on_create(self):
        Lead = self.Lead.sudo(self.sales[0]).with_context(crm_team_routing_no_route=True)
        for name, value in SYSTEM_VALUES.items():
            with self.assertRaisesFor(AccessError, name) as caught:
                Lead.create({'name': 'Created with %s' % name, 'user_id': self.sales[0].id,
                             name: value})
            self.assertIn('(%s)' % name, caught.exception.name)
        # What the web client sends on a creation (every field of the form, defaults
        # included) passes; the module still sets the assignment date itself.
        lead = Lead.create({'name': 'From the form', 'user_id': self.sales[0].id,
                            'team_id': self.north.id, 'share_state': 'none', 'score': 0,
                            'sla_reassign_count': 0, 'assignment_date': False})
        self.assertTrue(lead.assignment_date)
        self.assertEqual(self.log_rows(lead).mapped('kind'), ['manual'])

    def test_to_share_by_who_may_share(self):
        north = self.own_lead(self.sales[0], name='To share North')
        leader_own_south = self.own_lead(self.leader_north, team=self.south, name='Own South')
        with self.assertRaisesFor(AccessError, 'salesperson'):
            north.sudo(self.sales[0]).write({'share_state': 'to_share'})
        with self.assertRaisesFor(AccessError, 'leader outside the teams they lead'):
            leader_own_south.sudo(self.leader_north).write({'share_state': 'to_share'})
        with self.assertRaisesFor(AccessError, "leader: 'shared' is the system's"):
            north.sudo(self.leader_north).write({'share_state': 'shared'})
        north.sudo(self.leader_north).write({'share_state': 'to_share'})
        self.assertEqual(north.share_state, 'to_share')
        created = self.Lead.sudo(self.leader_north).create({
            'name': 'Created to share', 'team_id': self.north.id, 'user_id': self.sales[1].id,
            'share_state': 'to_share'})
        self.assertEqual(created.share_state, 'to_share')
        with self.assertRaisesFor(AccessError, 'salesperson creating'):
            self.Lead.sudo(self.sales[0]).create({
                'name': 'Mine to share', 'user_id': self.sales[0].id, 'team_id': self.north.id,
                'share_state': 'to_share'})

    def test_module_writes_its_fields_for_people(self):
        """The module's own writes of those fields pass for the people whose action causes
        them: a salesperson set by hand, a share sets the status."""
        lead = self.own_lead(self.sales[0]).sudo()
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = %s WHERE id = %s",
                            (PAST, lead.id))
        lead.invalidate_cache()
        lead.sudo(self.leader_north).write({'user_id': self.sales[1].id})
        self.assertGreater(lead.assignment_date, PAST)
        self.assertEqual(self.log_rows(lead)[0].kind, 'manual')
        lead.sudo(self.leader_north).write({'shared_user_ids': [(4, self.sales[0].id)]})
        self.assertEqual(lead.share_state, 'shared')
        lead.sudo(self.leader_north).write({'shared_user_ids': [(5,)]})
        self.assertEqual(lead.share_state, 'none')

    # ------------------------------------------------------------------------------------------
    # The same salesperson written again
    # ------------------------------------------------------------------------------------------

    def test_same_salesperson_keeps_assignment_date_and_log(self):
        lead = self.create_owned(self.sales[0], self.north, assigned=PAST)
        rows = self.log_rows(lead)
        lead.sudo(self.sales[0]).write({'user_id': self.sales[0].id, 'description': 'again'})
        lead.invalidate_cache()
        self.assertEqual(lead.assignment_date, PAST, "the SLA clock keeps running")
        self.assertEqual(self.log_rows(lead), rows, "no 'manual' row")

    def test_mixed_write_assigns_only_the_leads_that_change(self):
        same = self.create_owned(self.sales[0], self.north, name='Same', assigned=PAST)
        other = self.create_owned(self.sales[1], self.north, name='Other', assigned=PAST)
        rows = self.log_rows(same)
        (same | other).sudo(self.manager).write({'user_id': self.sales[0].id})
        (same | other).invalidate_cache()
        self.assertEqual(same.assignment_date, PAST)
        self.assertEqual(self.log_rows(same), rows)
        self.assertGreater(other.assignment_date, PAST)
        self.assertEqual(self.log_rows(other)[0].kind, 'manual')
        self.assertEqual(self.log_rows(other)[0].previous_user_id, self.sales[1])

    # ------------------------------------------------------------------------------------------
    # The assignment log
    # ------------------------------------------------------------------------------------------

    def test_log_written_by_the_system_only(self):
        lead = self.own_lead(self.sales[0])
        row = self.log_rows(lead)
        Log = self.env['crm.lead.assignment.log']
        for user in (self.sales[0], self.leader_north, self.all_leads, self.manager):
            with self.assertRaisesFor(AccessError, '%s creating' % user.login):
                Log.sudo(user).create({'lead_id': lead.id, 'kind': 'manual',
                                       'user_id': user.id})
            with self.assertRaisesFor(AccessError, '%s writing' % user.login):
                row.sudo(user).write({'user_id': user.id})
            with self.assertRaisesFor(AccessError, '%s deleting' % user.login):
                row.sudo(user).unlink()

    def test_leader_reads_log_of_leads_now_in_their_teams(self):
        lead = self.own_lead(self.sales[0])
        Log = self.env['crm.lead.assignment.log']
        domain = [('lead_id', '=', lead.id)]
        self.assertTrue(Log.sudo(self.leader_north).search(domain))
        lead.sudo(self.manager).write({'team_id': self.south.id})
        self.assertFalse(Log.sudo(self.leader_north).search(domain),
                         "the lead left North: its history went with it")
        self.assertEqual(len(Log.sudo(self.leader_south).search(domain)), 1,
                         "South's leader reads the row written while it was in North")

    def test_migration_writes_the_leader_log_rule(self):
        """The rule is noupdate data: existing databases get its new domain from the
        migration, the same as a new install's."""
        spec = importlib.util.spec_from_file_location('crm_team_routing_migration_1_2', MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        rule = self.env.ref('crm_team_routing.crm_lead_assignment_log_rule_team_leader')
        self.assertEqual(rule.domain_force, migration.LOG_LEADER_DOMAIN)
        rule.write({'domain_force': "['|', ('team_id.user_id', '=', user.id), "
                                    "('lead_id.team_id.user_id', '=', user.id)]"})
        migration.migrate(self.env.cr, '11.0.1.1.0')
        rule.invalidate_cache()
        self.assertEqual(rule.domain_force, migration.LOG_LEADER_DOMAIN)

    # ------------------------------------------------------------------------------------------
    # A team of another company
    # ------------------------------------------------------------------------------------------

    def test_team_of_another_company_refused(self):
        with self.assertRaisesFor(AccessError, 'creating') as caught:
            self.Lead.sudo(self.manager_b).create({'name': 'B into North',
                                                   'team_id': self.north.id})
        self.assertIn('North', caught.exception.name)
        lead_b = self.Lead.sudo(self.manager_b).create({'name': 'B lead',
                                                        'team_id': self.team_b.id})
        with self.assertRaisesFor(AccessError, 'writing'):
            lead_b.sudo(self.manager_b).write({'team_id': self.north.id})
        self.assertEqual(lead_b.team_id, self.team_b)

    def test_lead_company_follows_team(self):
        Lead = self.Lead.with_context(crm_team_routing_no_route=True)
        lead = Lead.sudo(self.manager_ab).create({
            'name': 'AB', 'user_id': False, 'team_id': self.team_b.id,
            'company_id': self.company.id})
        self.assertEqual(lead.company_id, self.company_b)
        moved = Lead.create({'name': 'No company', 'user_id': False, 'company_id': False})
        moved.sudo(self.manager).write({'team_id': self.north.id})
        self.assertEqual(moved.company_id, self.company)
