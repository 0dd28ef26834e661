# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The production transaction paths, on committed data.

Every other test runs inside one transaction that is never committed: there a run stays in the
caller's transaction under a transaction-level lock (``crm.lead.router._routing_transactions``,
the one switch). These tests ask for the production paths (the context key
``crm_team_routing_transactions``) and work on cursors of their own that commit, as a server
does: a button's run in a transaction of its own, route-on-create and the server action after
the commit, the session-level lock held by another connection, the cron's commits between
batches on parallel writer connections, a person's change during a run left alone.

Whatever a test commits is deleted when it ends, and the test checks that no table keeps a row
it made: other tests and the demo database are left as they were. Its runs name their leads and
teams, never every waiting lead of the database.
"""
import threading
import time
from collections import Counter
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import common
from odoo.tools import mute_logger

from ..models import crm_lead_router_lock, crm_lead_router_write
from ..models.crm_lead_router import ROUTING_LOCK_KEY

# The context of the tests' committed work: the production paths, no mail sent at once.
CONTEXT = {
    'crm_team_routing_transactions': True,
    'tracking_disable': True,
    'mail_notify_force_send': False,
    'mail_create_nosubscribe': True,
    'mail_create_nolog': True,
    'no_reset_password': True,
}
# What the tests commit, deleted in this order (rows made after the test started).
CLEANUP_TABLES = (
    'crm_lead_routing_run', 'crm_lead_assignment_log', 'mail_mail', 'mail_message',
    'mail_followers', 'bus_bus',
    'crm_lead', 'crm_team_member', 'resource_resource', 'crm_team', 'mail_alias', 'res_users',
    'res_partner',
)


@common.at_install(False)
@common.post_install(True)
class TestTransactions(common.TransactionCase):
    """Runs on committed cursors; the test case's own cursor is never used."""

    def setUp(self):
        super(TestTransactions, self).setUp()
        self.token = 'Txn check %d' % int(time.time() * 1000)
        with self.committed() as env:
            self.max_ids = self._max_ids(env.cr)
            self.parallel_writers = env['ir.config_parameter'].get_param(
                'crm_team_routing.parallel_writers')
        self.addCleanup(self._cleanup)

    # ------------------------------------------------------------------------------------------
    # Committed data and its cleanup
    # ------------------------------------------------------------------------------------------

    @contextmanager
    def committed(self, **context):
        """An environment on a registry cursor of its own, committed at the end of the block
        (rolled back on an exception)."""
        with api.Environment.manage(), self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, dict(CONTEXT, **context))

    @staticmethod
    def _max_ids(cr):
        """{table: max(id)} of every table of the database with an integer id."""
        cr.execute("""
            SELECT c.table_name FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = 'public' AND c.column_name = 'id'
               AND c.data_type = 'integer' AND t.table_type = 'BASE TABLE'
             ORDER BY c.table_name
        """)
        tables = [row[0] for row in cr.fetchall()]
        cr.execute(' UNION ALL '.join(
            "SELECT '%s', (SELECT max(id) FROM \"%s\")" % (table, table) for table in tables))
        return {table: max_id or 0 for table, max_id in cr.fetchall()}

    def _cleanup(self):
        """Delete every row the test committed, give the parameter back, then check that no
        table holds a row made during the test."""
        # A run after commit still going would write on what is being deleted.
        self.settled()
        with self.committed() as env:
            cr = env.cr
            # No row of the log made by the test may concern a lead it did not make.
            cr.execute("""
                SELECT count(*) FROM crm_lead_assignment_log
                 WHERE id > %s AND lead_id <= %s
            """, (self.max_ids['crm_lead_assignment_log'], self.max_ids['crm_lead']))
            foreign = cr.fetchone()[0]
            for table in CLEANUP_TABLES:
                cr.execute('DELETE FROM "%s" WHERE id > %%s' % table, (self.max_ids[table],))
            env['ir.config_parameter'].set_param('crm_team_routing.parallel_writers',
                                                 self.parallel_writers)
        self.registry.clear_caches()
        with self.committed() as env:
            left = {table: max_id for table, max_id in self._max_ids(env.cr).items()
                    if max_id > self.max_ids.get(table, 0)}
        self.assertFalse(left, "rows the test committed are left in %s" % sorted(left))
        self.assertFalse(foreign, "the test's runs logged decisions on leads it did not make")

    def make_team(self, env, capacities, label='team', **values):
        """A team routing this test's leads only (by name), with one salesperson per capacity
        in ``capacities``; returns (team, users)."""
        company = env.ref('base.main_company')
        users = env['res.users']
        for index, _capacity in enumerate(capacities):
            login = '%s %s %d' % (self.token, label, index)
            users |= env['res.users'].create({
                'name': login.title(),
                'login': login.replace(' ', '.').lower(),
                'email': '%s@example.com' % login.replace(' ', '.').lower(),
                'groups_id': [(6, 0, [env.ref('sales_team.group_sale_salesman').id])],
                'company_id': company.id,
                'company_ids': [(6, 0, [company.id])],
            })
        team = env['crm.team'].create(dict({
            'name': '%s %s' % (self.token, label),
            'company_id': company.id,
            'assignment_domain': "[('name', 'like', '%s')]" % self.token,
        }, **values))
        for user, capacity in zip(users, capacities):
            env['crm.team.member'].create({'team_id': team.id, 'user_id': user.id,
                                           'assignment_max': capacity})
        return team, users

    def make_leads(self, env, count, label='lead', route=False):
        """``count`` leads waiting for a salesperson; routed on creation only with ``route``."""
        Lead = env['crm.lead'].with_context(crm_team_routing_no_route=not route)
        return env['crm.lead'].browse([
            Lead.create({'name': '%s %s %d' % (self.token, label, index), 'type': 'lead',
                         'user_id': False, 'team_id': False}).id
            for index in range(count)])

    def state(self, lead_ids):
        """{lead_id: (user_id, team_id, member log rows, distinct member log dates, followers)}
        as committed now."""
        with self.committed() as env:
            env.cr.execute("""
                SELECT l.id, l.user_id, l.team_id,
                       (SELECT count(*) FROM crm_lead_assignment_log g
                         WHERE g.lead_id = l.id AND g.kind = 'member'),
                       (SELECT count(*) FROM mail_followers f
                         WHERE f.res_model = 'crm.lead' AND f.res_id = l.id)
                  FROM crm_lead l WHERE l.id = ANY(%s)
            """, (list(lead_ids),))
            return {row[0]: row[1:] for row in env.cr.fetchall()}

    def routed(self, lead_ids, count=None, timeout=10.0):
        """The state of ``lead_ids`` once ``count`` of them (default: all) have a salesperson,
        or after ``timeout`` seconds, and the runs after commit (another thread) have ended:
        their writers commit the leads before the run sends its digests and frees the lock."""
        deadline = time.time() + timeout
        count = len(lead_ids) if count is None else count
        while True:
            state = self.state(lead_ids)
            if sum(1 for row in state.values() if row[0]) >= count or time.time() > deadline:
                self.settled(max(deadline - time.time(), 1.0))
                return self.state(lead_ids)
            time.sleep(0.1)

    def settled(self, timeout=10.0):
        """Wait, ``timeout`` seconds at most, for the dispatcher's runs after commit on this
        database to end."""
        thread = crm_lead_router_lock.DISPATCHER.threads.get(self.registry.db_name)
        if thread is not None:
            thread.join(timeout)

    def member_runs(self, lead_ids):
        """How many routing runs gave these leads to salespeople (distinct log dates)."""
        with self.committed() as env:
            env.cr.execute("""
                SELECT count(DISTINCT date) FROM crm_lead_assignment_log
                 WHERE lead_id = ANY(%s) AND kind = 'member'
            """, (list(lead_ids),))
            return env.cr.fetchone()[0]

    def lock_free(self):
        with self.committed() as env:
            env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
            return env.cr.fetchone()[0]

    # ------------------------------------------------------------------------------------------
    # The paths
    # ------------------------------------------------------------------------------------------

    def test_button_runs_in_its_own_transaction(self):
        """A team's button routes in a transaction of its own, committed by the run: what it
        wrote stays when the caller's transaction is rolled back, and the lock is free after."""
        with self.committed() as env:
            team, users = self.make_team(env, [10, 10])
            leads = self.make_leads(env, 4)
        caller = self.registry.cursor()
        try:
            env = api.Environment(caller, SUPERUSER_ID, CONTEXT)
            result = env['crm.team'].browse(team.id)._action_assign_leads(
                leads=env['crm.lead'].browse(leads.ids), mode='button')
            self.assertEqual(result.assigned, 4)
            caller.rollback()
        finally:
            caller.close()
        state = self.state(leads.ids)
        self.assertEqual(sorted(Counter(row[0] for row in state.values()).values()), [2, 2])
        self.assertEqual({row[0] for row in state.values()}, set(users.ids))
        self.assertTrue(all(row[1] == team.id and row[2] == 1 for row in state.values()), state)
        self.assertTrue(self.lock_free(), "the button's run kept the routing lock")

    def test_route_on_create_after_commit(self):
        """The leads one transaction creates are routed together once it is committed, in a
        run of their own; before the commit they wait."""
        with self.committed() as env:
            team, users = self.make_team(env, [3, 3], assignment_on_create=True)
        with self.committed() as env:
            leads = self.make_leads(env, 8, route=True)
            env.cr.execute("SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS "
                           "NOT NULL", (leads.ids,))
            self.assertEqual(env.cr.fetchone()[0], 0, "routed before the commit")
        state = self.routed(leads.ids, count=6)
        routed = [row[0] for row in state.values() if row[0]]
        self.assertEqual(len(routed), 6, "3 + 3 of 8 routed after the commit: %s" % state)
        self.assertEqual(sorted(Counter(routed).values()), [3, 3])
        self.assertEqual(self.member_runs(leads.ids), 1, "one run for the transaction")
        self.assertTrue(self.lock_free(), "route-on-create kept the routing lock")

    def test_server_action_routes_after_commit(self):
        """The "Route leads" server action routes its leads once the transaction that ran it
        is committed; the run's record says who ran it."""
        with self.committed() as env:
            team, users = self.make_team(env, [10])
            login = '%s manager' % self.token
            manager = env['res.users'].create({
                'name': login.title(), 'login': login.replace(' ', '.').lower(),
                'groups_id': [(6, 0, [env.ref('sales_team.group_sale_manager').id])],
                'company_id': team.company_id.id, 'company_ids': [(6, 0, team.company_id.ids)],
            })
            lead = self.make_leads(env, 1)
        with self.committed() as env:
            env.ref('crm_team_routing.action_server_route_leads').sudo(manager.id).with_context(
                active_model='crm.lead', active_ids=lead.ids, active_id=lead.id).run()
            self.assertFalse(env['crm.lead'].browse(lead.id).user_id, "routed before the commit")
        self.assertEqual(self.routed(lead.ids)[lead.id][:3], (users.id, team.id, 1))
        with self.committed() as env:
            run = env['crm.lead.routing.run'].search([
                ('mode', '=', 'server_action'),
                ('id', '>', self.max_ids['crm_lead_routing_run'])])
            self.assertEqual(run.user_id.id, manager.id)

    def test_session_lock_held_by_another_connection(self):
        """While another connection holds the routing lock: the cron skips, a button waits a
        moment then says so, a creation never waits and leaves its lead to the next
        route-on-create run, which takes it."""
        self.patch(crm_lead_router_lock, 'LOCK_WAIT_SECONDS', 0.5)
        with self.committed() as env:
            team, users = self.make_team(env, [10], assignment_on_create=True)
            leads = self.make_leads(env, 2)
        holder = self.registry.cursor()
        try:
            holder.execute("SELECT pg_advisory_lock(%s)", (ROUTING_LOCK_KEY,))
            holder.commit()
            with self.committed() as env:
                result = env['crm.lead.router']._route(
                    env['crm.team'].browse(team.id), env['crm.lead'].browse(leads.ids), 'cron')
                self.assertTrue(result.skipped, "the cron ran although the lock was held")
            with self.committed() as env:
                started = time.time()
                with self.assertRaises(UserError):
                    env['crm.team'].browse(team.id)._action_assign_leads(
                        leads=env['crm.lead'].browse(leads.ids), mode='button')
                self.assertGreaterEqual(time.time() - started, 0.5, "the button did not wait")
            started = time.time()
            with self.committed() as env:
                waiting = self.make_leads(env, 1, label='busy', route=True)
            self.assertLess(time.time() - started, 2.0, "the creation waited for the lock")
            self.assertFalse(any(row[0] for row in self.state(leads.ids + waiting.ids).values()),
                             "routed although the lock was held")
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (ROUTING_LOCK_KEY,))
            holder.close()
        with self.committed() as env:
            later = self.make_leads(env, 1, label='later', route=True)
        state = self.routed(waiting.ids + later.ids)
        self.assertEqual({row[0] for row in state.values()}, set(users.ids),
                         "the next route-on-create run did not take the lead left waiting")

    def test_cron_commits_batches_on_parallel_writers(self):
        """The cron writes its batches on two writer connections, each batch committed: a
        failed batch stops the run and keeps those committed before, complete; the next run
        finishes: every lead routed once, capacities kept, one digest per salesperson for
        both runs."""
        batch, count = 4, 24
        self.patch(crm_lead_router_write, 'ROUTING_BATCH_SIZE', batch)
        with self.committed() as env:
            env['ir.config_parameter'].set_param('crm_team_routing.parallel_writers', '2')
            team, users = self.make_team(env, [12, 12])
            leads = self.make_leads(env, count)
        Router = type(self.env['crm.lead.router'])
        original = Router._write_batch
        calls, threads, counting = [], set(), threading.Lock()

        def failing_fourth(router, written, subscriptions, now):
            with counting:  # the writers call this side by side
                calls.append(written)
                threads.add(threading.current_thread().name)
                fourth = len(calls) == 4
            if fourth:
                raise RuntimeError("simulated failure of the fourth batch")
            return original(router, written, subscriptions, now)

        self.patch(Router, '_write_batch', failing_fourth)
        # The writer logs the failed batch as an error: expected here.
        with self.committed() as env, mute_logger(crm_lead_router_write.__name__):
            with self.assertRaises(RuntimeError):
                env['crm.lead.router']._route(env['crm.team'].browse(team.id),
                                              env['crm.lead'].browse(leads.ids), 'cron')
        self.assertEqual(len(threads), 2, "writer threads: %s" % sorted(threads))
        self.assertNotIn(threading.current_thread().name, threads)
        first = self.state(leads.ids)
        routed = [row for row in first.values() if row[0]]
        self.assertTrue(batch * 3 <= len(routed) < count, "routed by the failed run: %d"
                        % len(routed))
        # A committed batch is complete: salesperson, team, its log row, the follower.
        self.assertTrue(all(row[1] == team.id and row[2] == 1 and row[3] == 1
                            for row in routed), first)
        self.assertFalse([row for row in first.values() if not row[0] and any(row[1:])],
                         "a lost batch left something behind")

        self.patch(Router, '_write_batch', original)
        with self.committed() as env:
            env['crm.lead.router']._route(env['crm.team'].browse(team.id),
                                          env['crm.lead'].browse(leads.ids), 'cron')
        second = self.state(leads.ids)
        counts = Counter(row[0] for row in second.values())
        self.assertEqual(sorted(counts.items()), sorted((user.id, 12) for user in users))
        self.assertTrue(all(row[2] == 1 and row[3] == 1 for row in second.values()), second)
        with self.committed() as env:
            env.cr.execute("""
                SELECT count(*) FROM crm_lead_assignment_log
                 WHERE lead_id = ANY(%s) AND kind = 'member' AND NOT notified
            """, (leads.ids,))
            self.assertEqual(env.cr.fetchone()[0], 0, "leads left out of the digests")
            for user in users.with_env(env):
                # Private messages, attached to no document (the notifier).
                digests = env['mail.message'].search([
                    ('model', '=', False), ('res_id', '=', False),
                    ('partner_ids', 'in', user.partner_id.ids),
                    ('id', '>', self.max_ids.get('mail_message', 0))])
                self.assertEqual(len(digests), 1, "digests of %s" % user.name)
                self.assertIn('(12)', digests.subject)

    def test_person_change_during_run_left_alone(self):
        """Between the run's read and its write, a person gives one lead to a colleague and
        archives another, committed on another connection: the run ends without error, writes
        the other leads, and leaves those two as the person left them."""
        with self.committed() as env:
            team, users = self.make_team(env, [10])
            colleague = self.make_team(env, [1], label='colleague')[1]
            leads = self.make_leads(env, 4)
        given, archived = leads[0], leads[1]
        Router = type(self.env['crm.lead.router'])
        original = Router._decide
        registry = self.registry

        def decide_then_person_changes(router, data):
            decisions = original(router, data)
            with api.Environment.manage(), registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
                env['crm.lead'].browse(given.id).write({'user_id': colleague.id})
                env['crm.lead'].browse(archived.id).write({'active': False})
            return decisions

        self.patch(Router, '_decide', decide_then_person_changes)
        with self.committed() as env:
            env['crm.team'].browse(team.id)._action_assign_leads(
                leads=env['crm.lead'].browse(leads.ids), mode='button')
        state = self.state(leads.ids)
        self.assertEqual((state[given.id][0], state[given.id][2]), (colleague.id, 0),
                         "the run overwrote the person's choice")
        self.assertEqual(state[archived.id][:3], (None, None, 0), "the run wrote an archived lead")
        with self.committed() as env:
            self.assertFalse(env['crm.lead'].browse(archived.id).active)
        for lead in leads[2:]:
            self.assertEqual(state[lead.id][:3], (users.id, team.id, 1))

    def hand_back_setup(self, count, batch=4):
        """Batches of ``batch`` leads on two writer connections, and a team of three
        salespeople led by a team leader; the first one holds ``count`` leads of this test.
        Returns (team, leader, leaver, the others, leads), committed."""
        self.patch(crm_lead_router_write, 'ROUTING_BATCH_SIZE', batch)
        with self.committed() as env:
            env['ir.config_parameter'].set_param('crm_team_routing.parallel_writers', '2')
            team, users = self.make_team(env, [100, 100, 100])
            login = '%s leader' % self.token
            leader = env['res.users'].create({
                'name': login.title(), 'login': login.replace(' ', '.').lower(),
                'groups_id': [(6, 0, [env.ref('crm_team_routing.group_sale_team_leader').id])],
                'company_id': team.company_id.id, 'company_ids': [(6, 0, team.company_id.ids)],
            })
            team.user_id = leader
            leads = self.make_leads(env, count)
            leads.write({'team_id': team.id, 'user_id': users[0].id})
            return team, leader, users[0], users[1:], leads

    def hand_back_wizard(self, team, leader, leaver):
        """The leader's hand-back wizard of ``leaver``'s leads, route now, committed: its id."""
        with self.committed() as env:
            member = env['crm.team.member'].search([('team_id', '=', team.id),
                                                    ('user_id', '=', leaver.id)])
            action = member.sudo(leader.id).action_hand_back_leads()
            return env['crm.lead.hand.back'].sudo(leader.id).with_context(
                **action['context']).create({'scope': 'all', 'route_now': True}).id

    def released_then_rolled_back(self, leads, act):
        """Call ``act(env)`` on a cursor of its own, then roll it back: how many of ``leads``
        were without salesperson before the rollback."""
        caller = self.registry.cursor()
        try:
            env = api.Environment(caller, SUPERUSER_ID, CONTEXT)
            act(env)
            caller.execute("SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS "
                           "NULL", (leads.ids,))
            released = caller.fetchone()[0]
            caller.rollback()
        finally:
            caller.close()
        return released

    def test_hand_back_commits_its_batches_on_writer_connections(self):
        """A leader hands back a book larger than a batch, routed at once: the release is
        written batch by batch on the writer connections, each committed, then the leads are
        routed once the wizard's transaction is committed, to the other members only; each
        lead has one release row before its new assignment, and the leaver follows none."""
        batch = 4
        team, leader, leaver, others, leads = self.hand_back_setup(10, batch=batch)
        Router = type(self.env['crm.lead.router'])
        original = Router._write_release_batch
        threads, counting = [], threading.Lock()

        def recording(router, rows, *args):
            with counting:  # the writers call this side by side
                threads.append(threading.current_thread().name)
            return original(router, rows, *args)

        self.patch(Router, '_write_release_batch', recording)
        # As the web client does it: the wizard is saved, then its button is called.
        wizard_id = self.hand_back_wizard(team, leader, leaver)
        with self.committed() as env:
            env['crm.lead.hand.back'].sudo(leader.id).browse(wizard_id).action_confirm()
        self.assertEqual(len(threads), 3, "one call per batch of %d: %s" % (batch, threads))
        self.assertNotIn(threading.current_thread().name, threads)
        state = self.routed(leads.ids)
        self.assertEqual({row[0] for row in state.values()}, set(others.ids), state)
        with self.committed() as env:
            env.cr.execute("""
                SELECT lead_id, array_agg(kind ORDER BY id),
                       array_agg(previous_user_id ORDER BY id)
                  FROM crm_lead_assignment_log WHERE lead_id = ANY(%s) GROUP BY lead_id
            """, (leads.ids,))
            history = {row[0]: row[1:] for row in env.cr.fetchall()}
            env.cr.execute("""
                SELECT count(*) FROM mail_followers
                 WHERE res_model = 'crm.lead' AND res_id = ANY(%s) AND partner_id = %s
            """, (leads.ids, leaver.partner_id.id))
            followed = env.cr.fetchone()[0]
        # The setup's own row first: it gave the leads to the leaver by hand.
        self.assertEqual(history, {lead_id: (['manual', 'release', 'member'],
                                             [None, leaver.id, None]) for lead_id in leads.ids})
        self.assertEqual(followed, 0, "the leaver still follows handed back leads")

    def test_hand_back_after_a_write_stays_in_its_transaction(self):
        """A confirmation whose transaction wrote before it (here: a lead of the book) keeps
        the release in that transaction, whatever its size: a writer connection would wait
        for that transaction's row locks while it waits for the writers. Rolled back, nothing
        was released."""
        team, leader, leaver, _others, leads = self.hand_back_setup(10)
        wizard_id = self.hand_back_wizard(team, leader, leaver)

        def write_then_confirm(env):
            env['crm.lead'].browse(leads[0].id).write({'description': 'Called today'})
            env['crm.lead.hand.back'].sudo(leader.id).browse(wizard_id).action_confirm()

        self.assertEqual(self.released_then_rolled_back(leads, write_then_confirm), 10,
                         "not handed back")
        self.assertEqual({row[0] for row in self.state(leads.ids).values()}, {leaver.id},
                         "the rolled back confirmation released leads")

    def test_archive_hands_back_in_the_archiving_transaction(self):
        """Archiving a salesperson hands back their leads in the same transaction, whatever
        its size: rolled back, the archive and the release are both undone."""
        _team, _leader, leaver, _others, leads = self.hand_back_setup(10)

        def archive(env):
            env['res.users'].browse(leaver.id).write({'active': False})

        self.assertEqual(self.released_then_rolled_back(leads, archive), 10,
                         "not handed back by the archive")
        self.assertEqual({row[0] for row in self.state(leads.ids).values()}, {leaver.id},
                         "the rolled back archive released leads")
