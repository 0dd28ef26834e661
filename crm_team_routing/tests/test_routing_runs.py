# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A record of every routing run: its mode, who started it, its counts and how it ended."""
import time
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import common

from ..models.crm_lead_router import ROUTING_LOCK_KEY, RoutingResult
from .common import RoutingCase
from . import test_transactions
from .test_transactions import CONTEXT


class TestRoutingRuns(RoutingCase):
    """In a test's transaction the records are written in it (never committed)."""

    @classmethod
    def setUpClass(cls):
        super(TestRoutingRuns, cls).setUpClass()
        cls.create_north_south([cls.sales[2]])
        cls.north.write({'assignment_sla_hours': 24, 'assignment_sla_max': 1})
        cls.Run = cls.env['crm.lead.routing.run']

    def last_run(self, mode):
        return self.Run.search([('mode', '=', mode)], limit=1)

    def test_cron_and_button(self):
        leads = self.create_leads(3, prefix='Runs cron')
        self.env['crm.team']._cron_assign_leads()
        run = self.last_run('cron')
        self.assertEqual(run.state, 'done')
        self.assertEqual(run.status, 'done')
        self.assertEqual((run.lead_count, run.team_count, run.member_count, run.waiting_count,
                          run.takeback_count), (3, 3, 3, 0, 0))
        # The cron's teams: every routing team of the database (the demo's too, when present).
        self.assertEqual(run.team_ids & (self.north | self.south), self.north | self.south)
        self.assertTrue(run.date_start)
        more = self.create_leads(2, prefix='Runs button', team_id=self.north.id)
        self.route(self.north, leads=more, user=self.manager)
        run = self.last_run('button')
        self.assertEqual(run.user_id, self.manager)
        self.assertEqual(run.team_ids, self.north)
        self.assertEqual((run.lead_count, run.member_count, run.waiting_count), (2, 2, 0))
        self.assertTrue(all(leads.mapped('user_id')))

    def test_waiting_wizard_and_server_action(self):
        self.member_of(self.south, self.sales[2]).write({'assignment_optout': True})
        waiting = self.create_leads(1, prefix='Runs waiting', team_id=self.south.id)
        self.route(self.south, leads=waiting, user=self.manager)
        run = self.last_run('button')
        self.assertEqual((run.lead_count, run.member_count, run.waiting_count), (1, 0, 1))
        leads = self.create_leads(2, prefix='Runs wizard')
        self.env['crm.lead.mass.assign'].sudo(self.manager).with_context(
            active_model='crm.lead', active_ids=leads.ids).create(
                {'mode': 'route'}).action_apply()
        run = self.last_run('wizard')
        self.assertEqual((run.user_id, run.member_count), (self.manager, 2))
        others = self.create_leads(2, prefix='Runs server action')
        self.env.ref('crm_team_routing.action_server_route_leads').sudo(
            self.manager).with_context(active_model='crm.lead', active_ids=others.ids).run()
        run = self.last_run('server_action')
        self.assertEqual((run.state, run.member_count), ('done', 2))
        # The action routes as the system once its rights were checked: the run is hers.
        self.assertEqual(run.user_id, self.manager)

    def test_hand_back_started_by_the_leader(self):
        """A leader hands back a member's leads and routes them now: the run, made as the
        system after the rights check, is recorded as the leader's."""
        leads = self.env['crm.lead']
        for index in range(2):
            leads |= self.create_owned(self.sales[0], self.north, name='Runs hand back %d' % index)
        member = self.member_of(self.north, self.sales[0])
        action = member.sudo(self.leader_north).action_hand_back_leads()
        self.env['crm.lead.hand.back'].sudo(self.leader_north).with_context(
            **action['context']).create({'scope': 'all', 'route_now': True}).action_confirm()
        run = self.last_run('hand_back')
        self.assertEqual((run.state, run.user_id, run.member_count),
                         ('done', self.leader_north, 2))
        leads.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[1])

    def test_sla_takeback(self):
        lead = self.create_owned(self.sales[0], self.north, name='Runs late')
        # Routed long ago: a routing row (a take-back only follows routing's decisions).
        self.env['crm.lead.assignment.log']._routing_insert(
            [(lead.id, self.north.id, self.sales[0].id, 'member', 'routed', self.company.id)],
            '2026-01-01 00:00:00')
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = '2026-01-01 00:00:00' "
                            "WHERE id = %s", (lead.id,))
        lead.invalidate_cache()
        self.env['crm.team']._cron_sla_reassign()
        run = self.last_run('sla')
        self.assertEqual((run.state, run.lead_count, run.takeback_count), ('done', 1, 1))
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])

    def test_route_on_create_leaves_no_record_when_done(self):
        self.north.write({'assignment_on_create': True})
        self.Lead.sudo(self.manager).create({'name': 'Runs on create', 'user_id': False})
        self.assertFalse(self.Run.search([('mode', '=', 'create')]))

    def test_skipped_when_busy(self):
        self.create_leads(1, prefix='Runs busy')
        with self.env.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
            self.env['crm.team']._cron_assign_leads()
            run = self.last_run('cron')
            self.assertEqual(run.state, 'skipped')
            with self.assertRaises(UserError):
                self.north.sudo(self.manager).action_assign_leads()
            self.assertEqual(self.last_run('button').state, 'skipped')
            other_cr.rollback()

    def test_purged_with_the_log(self):
        self.create_leads(1, prefix='Runs purge')
        self.env['crm.team']._cron_assign_leads()
        run = self.last_run('cron')
        self.env.cr.execute("UPDATE crm_lead_routing_run SET date_start = '2000-01-01' "
                            "WHERE id = %s", (run.id,))
        self.env['crm.lead.assignment.log']._cron_purge_logs()
        self.assertFalse(self.Run.search([('id', '=', run.id)]))


@common.at_install(False)
@common.post_install(True)
class TestRunsCommitted(test_transactions.TestTransactions):
    """Runs on committed cursors, as a server makes them (the fixtures of test_transactions,
    not its tests: they run in their own file)."""

    def _cleanup(self):
        with self.committed() as env:
            env.cr.execute("DELETE FROM crm_lead_routing_run WHERE id > %s",
                           (self.max_ids['crm_lead_routing_run'],))
        return super(TestRunsCommitted, self)._cleanup()

    def status(self, run_id):
        with self.committed() as env:
            return env['crm.lead.routing.run'].browse(run_id).status

    def test_killed_run_shows_interrupted(self):
        """A run whose process is killed (kill -9) leaves its record 'running': its own
        connection held the routing lock, and PostgreSQL frees it when the connection dies.
        Here the run's connection is a plain one, closed as the kill closes it."""
        with self.committed() as env:
            team, _users = self.make_team(env, [10])
        run_cnx = psycopg2.connect(**sql_db.connection_info_for(self.cr.dbname)[1])
        try:
            run_cnx.autocommit = True
            with run_cnx.cursor() as run_cr:
                run_cr.execute("SELECT pg_try_advisory_lock(%s)", (ROUTING_LOCK_KEY,))
                self.assertTrue(run_cr.fetchone()[0])
            with self.committed() as env:
                # The run's start, written as the router writes it: its own cursor, committed.
                run_id = env['crm.lead.router']._routing_run_write(
                    None, 'cron', env['crm.team'].browse(team.id), time.time(), 'running',
                    RoutingResult())
            self.assertEqual(self.status(run_id), 'running', "the lock is held: running")
        finally:
            run_cnx.close()  # kill -9: the session ends, its lock with it
        self.assertEqual(self.status(run_id), 'interrupted')
        # The next run is recorded as usual.
        with self.committed() as env:
            leads = self.make_leads(env, 2)
            env['crm.team'].browse(team.id)._action_assign_leads(leads=leads, mode='cron')
        with self.committed() as env:
            runs = env['crm.lead.routing.run'].search([('team_ids', 'in', team.ids)])
            self.assertEqual(runs.mapped('status'), ['done', 'interrupted'])
            self.assertEqual(runs[0].member_count, 2)

    def test_crash_keeps_its_error(self):
        with self.committed() as env:
            team, _users = self.make_team(env, [10])
            lead_ids = self.make_leads(env, 1).ids
        Router = type(self.env['crm.lead.router'])
        with patch.object(Router, '_decide', side_effect=RuntimeError('boom in decide')):
            caller = self.registry.cursor()
            try:
                env = api.Environment(caller, SUPERUSER_ID, CONTEXT)
                with self.assertRaises(RuntimeError):
                    env['crm.team'].browse(team.id)._action_assign_leads(
                        leads=env['crm.lead'].browse(lead_ids), mode='cron')
                caller.rollback()
            finally:
                caller.close()
        with self.committed() as env:
            run = env['crm.lead.routing.run'].search([('team_ids', 'in', team.ids)])
            self.assertEqual(run.state, 'failed')
            self.assertIn('boom in decide', run.error)
            self.assertFalse(run.member_count)


for _name in dir(test_transactions.TestTransactions):
    if _name.startswith('test'):
        setattr(TestRunsCommitted, _name, None)
