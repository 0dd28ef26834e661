# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Private messages (DESIGN.md, revision 3): digests, take-back notes and leaders' notes are
addressed to their recipients only. Nobody else (a colleague, the team's leader, an employee
without Sales rights) can find or read them, in the ORM as that user or over XML-RPC; the
recipient finds them in their Inbox and, by their preference, in a queued e-mail. Notes on
invalid filters stay on the team, each distinct problem once."""
import importlib.util
import os
from xmlrpc.client import Fault

from odoo.exceptions import AccessError
from odoo.tests import common
from odoo.tools import mute_logger

from .common import RoutingCase, set_other_records_aside


class TestPrivateMessages(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestPrivateMessages, cls).setUpClass()
        cls.team = cls.create_team('Private', leader=cls.leader_north,
                                   members=[(cls.sales[0], 30), (cls.sales[1], 30)],
                                   assignment_sla_hours=24, assignment_sla_max=1)
        cls.sales[1].notification_type = 'inbox'
        cls.Message = cls.env['mail.message']

    def last_message_id(self):
        return self.Message.search([], order='id desc', limit=1).id

    def private_to(self, user, after):
        return self.Message.search([('id', '>', after), ('partner_ids', 'in', user.partner_id.id)])

    def assertPrivate(self, message, recipient, outsiders):
        """``message`` is attached to no document, addressed to ``recipient`` alone, in their
        Inbox and readable by them; each of ``outsiders`` neither finds nor reads it."""
        self.assertEqual(len(message), 1)
        self.assertEqual((message.model, message.res_id), (False, 0), "attached to no document")
        self.assertEqual(message.partner_ids, recipient.partner_id, "addressed to them alone")
        mine = self.Message.sudo(recipient)
        self.assertEqual(mine.search([('id', '=', message.id)]), message)
        self.assertIn(message, mine.search([('needaction', '=', True)]), "in their Inbox")
        self.assertEqual(mine.browse(message.id).read(['body'])[0]['body'], message.body)
        for outsider in outsiders:
            theirs = self.Message.sudo(outsider)
            self.assertFalse(theirs.search([('id', '=', message.id)]), outsider.login)
            self.assertFalse(theirs.search_read([('id', '=', message.id)], ['body']),
                             outsider.login)
            self.assertFalse(theirs.search([('needaction', '=', True), ('id', '=', message.id)]),
                             outsider.login)
            with self.assertRaisesFor(AccessError, outsider.login):
                theirs.browse(message.id).read(['body'])
            # Nor its queued e-mail (core lets every user read and write every mail.mail).
            mails = self.env['mail.mail'].sudo(outsider)
            self.assertFalse(mails.search([('mail_message_id', '=', message.id)]),
                             outsider.login)
            for mail in self.env['mail.mail'].search([('mail_message_id', '=', message.id)]):
                with self.assertRaisesFor(AccessError, outsider.login):
                    mails.browse(mail.id).read(['body_html'])
                with self.assertRaisesFor(AccessError, outsider.login):
                    mails.browse(mail.id).write({'recipient_ids': [(4, outsider.partner_id.id)]})

    def test_digests_reach_their_recipient_alone(self):
        leads = self.create_leads(4, prefix='Private digest')
        before = self.last_message_id()
        team_messages = self.team.message_ids
        self.route(self.team)
        for user, colleague in ((self.sales[0], self.sales[1]), (self.sales[1], self.sales[0])):
            digest = self.private_to(user, before)
            mine = leads.filtered(lambda lead, user=user: lead.user_id == user)
            self.assertEqual(len(mine), 2)
            for lead in mine:
                self.assertIn('/crm_team_routing/lead/%d"' % lead.id, digest.body,
                              "each lead links to its form (through the link that explains "
                              "a lead taken away since)")
            self.assertPrivate(digest, user, [colleague, self.sales[2], self.leader_north,
                                              self.employee, self.manager])
        self.team.invalidate_cache()
        self.assertEqual(self.team.message_ids, team_messages, "nothing on the team's chatter")
        # No message any employee may read names the leads (the team, a partner: none).
        for lead in leads:
            self.assertFalse(self.Message.sudo(self.employee).search(
                [('body', 'ilike', lead.name)]), lead.name)
            other = self.sales[1] if lead.user_id == self.sales[0] else self.sales[0]
            self.assertFalse(self.Message.sudo(other).search([('body', 'ilike', lead.name)]),
                             "%s reads nothing about %s" % (other.login, lead.name))

    def test_delivered_by_the_recipients_preference(self):
        self.create_leads(2, prefix='Preference')
        before = self.last_message_id()
        self.route(self.team)
        by_email = self.private_to(self.sales[0], before)  # notified by e-mail (the default)
        in_inbox = self.private_to(self.sales[1], before)  # "Handle in Odoo"
        mail = self.env['mail.mail'].search([('mail_message_id', '=', by_email.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual((mail.recipient_ids, mail.state), (self.sales[0].partner_id, 'outgoing'),
                         "queued for the mail cron, to them alone")
        self.assertFalse(mail.email_to or mail.email_cc)
        self.assertTrue(mail.email_from)
        self.assertEqual(mail.subject, by_email.subject)
        self.assertFalse(self.env['mail.mail'].search([('mail_message_id', '=', in_inbox.id)]))
        self.assertEqual(self.env['mail.mail'].sudo(self.sales[0]).search(
            [('mail_message_id', '=', by_email.id)]).read(['body_html'])[0]['body_html'],
            mail.body_html, "the recipient may read their own mail")
        for message, user in ((by_email, self.sales[0]), (in_inbox, self.sales[1])):
            self.assertTrue(message.sudo(user).needaction, "in the Inbox of %s" % user.login)
            self.assertEqual(message.author_id, user.company_id.partner_id,
                             "from their company")

    def test_take_back_and_leader_notes_are_private(self):
        self.team.assignment_sla_max = 2
        self.team.routing_member_ids.filtered(
            lambda member: member.user_id != self.sales[0]).assignment_optout = True
        lead = self.create_leads(1, prefix='Private take-back')
        self.route(self.team, leads=lead)
        self.team.routing_member_ids.write({'assignment_optout': False})
        self.assertEqual(lead.user_id, self.sales[0])
        self.age(lead, 30)
        before = self.last_message_id()
        self.env['crm.team']._cron_sla_reassign()
        self.env['crm.lead'].invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])
        note = self.private_to(self.sales[0], before)
        self.assertIn(lead.name, note.body)
        self.assertPrivate(note, self.sales[0], [self.sales[1], self.leader_north,
                                                 self.employee])
        digest = self.private_to(self.sales[1], before)
        self.assertPrivate(digest, self.sales[1], [self.sales[0], self.employee])
        # Nobody else may take it: the leader is told, privately.
        self.age(lead, 30)
        before = self.last_message_id()
        self.env['crm.team']._cron_sla_reassign()
        told = self.private_to(self.leader_north, before)
        self.assertIn(lead.name, told.body)
        self.assertPrivate(told, self.leader_north, [self.sales[0], self.sales[1],
                                                     self.leader_south, self.employee])

    def test_fixed_number_of_statements(self):
        """The messages of a run cost the same statements for 2 people as for 6, however many
        leads they list."""
        Notifier = self.env['crm.lead.routing.notifier']
        leads = self.create_leads(30, prefix='Counted')
        rows = [(lead.id, lead.name) for lead in leads]
        people = self.env['res.users'].browse(
            [user.id for user in self.sales] + [self.leader_north.id, self.leader_south.id])

        def statements(users, lines):
            users = self.env['res.users'].browse(users.ids)  # a fresh prefetch, as a run reads
            self.env['res.users'].invalidate_cache()  # the whole cache, in 11.0
            count = self.env.cr.sql_log_count
            sent = Notifier._send_lead_lists(
                [(user, 'Title', rows[:lines], lines) for user in users])
            self.assertEqual(sent.mapped('partner_ids'), users.mapped('partner_id'))
            return self.env.cr.sql_log_count - count

        statements(people[:2], 2)  # caches of settings, subtypes, translations
        self.assertEqual(statements(people[:2], 2), statements(people, 30))

    def test_invalid_filter_notes_once_per_distinct_problem(self):
        broken = self.create_team('Broken filters', members=[(self.sales[2], 30)])
        problems = ["[('x_removed_a', '=', 1)]", "[('x_removed_b', '=', 1)]"]
        before = broken.message_ids
        for domain in problems + problems + problems[:1]:
            self.env.cr.execute("UPDATE crm_team SET assignment_domain = %s WHERE id = %s",
                                (domain, broken.id))
            broken.invalidate_cache()
            self.create_leads(1, prefix='Filter run')
            with mute_logger('odoo.addons.crm_team_routing.models.crm_lead_router_notify'):
                result = self.route(broken)
            self.assertTrue(result.errors)
        broken.invalidate_cache()
        notes = broken.message_ids - before
        self.assertEqual(len(notes), 2, "each problem once, however they alternate")
        for field in ('x_removed_a', 'x_removed_b'):
            self.assertEqual(len(notes.filtered(lambda note, f=field: f in note.body)), 1, field)
        self.assertEqual(set(notes.mapped('message_type')), {'notification'})
        self.assertTrue(all(note.subtype_id == self.env.ref('mail.mt_note') for note in notes))

    def test_upgrade_detaches_earlier_digests_from_the_team(self):
        """Before 11.0.1.2.0 digests and take-back notes were notes on the team: the upgrade
        makes them private; people's notes on the team stay."""
        path = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'migrations',
                            '11.0.1.2.0', 'post-migration.py')
        spec = importlib.util.spec_from_file_location('crm_team_routing_migration_1_2', path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        lead = self.create_leads(1, prefix='Earlier digest')
        body = ('<p>New leads for %s (1):</p><ul><li><a href="http://x/web#id=%d&amp;'
                'model=crm.lead&amp;view_type=form">%s</a></li></ul>' % (
                    self.sales[1].name, lead.id, lead.name))
        note = self.env.ref('mail.mt_note')

        def on_team(body, partners):
            return self.Message.create({
                'model': 'crm.team', 'res_id': self.team.id, 'message_type': 'comment',
                'subtype_id': note.id, 'body': body, 'author_id': self.manager.partner_id.id,
                'email_from': self.manager.email,
                'partner_ids': [(6, 0, partners.ids)]})
        earlier = on_team(body, self.sales[1].partner_id)
        two_people = on_team(body, self.sales[0].partner_id | self.sales[1].partner_id)
        plain = on_team('<p>Team meeting on Monday</p>', self.sales[1].partner_id)
        self.Message.invalidate_cache()
        self.assertIn(earlier, self.Message.sudo(self.employee).search([]), "readable before")
        self.assertEqual(migration.make_routing_messages_private(self.env.cr), 1)
        self.Message.invalidate_cache()
        self.assertPrivate(earlier, self.sales[1], [self.sales[0], self.employee])
        for kept in (two_people, plain):
            self.assertEqual((kept.model, kept.res_id), ('crm.team', self.team.id))


@common.at_install(False)
@common.post_install(True)
class TestPrivateMessagesXmlRpc(common.HttpCase):
    """The same over XML-RPC, logged in as a colleague and as an employee without Sales
    rights, against the running server."""

    def setUp(self):
        super(TestPrivateMessagesXmlRpc, self).setUp()
        # 11.0: the server works on the registry's test cursor (see test_xmlrpc).
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True,
                                    mail_notify_force_send=False))
        set_other_records_aside(env)
        Users = env['res.users'].with_context(no_reset_password=True)

        def user(login, group):
            return Users.create({'name': login.replace('_', ' ').title(), 'login': login,
                                 'password': login, 'email': '%s@example.com' % login,
                                 'groups_id': [(6, 0, [env.ref(group).id])]})
        self.seller = user('pm_seller', 'sales_team.group_sale_salesman')
        self.colleague = user('pm_colleague', 'sales_team.group_sale_salesman')
        self.employee = user('pm_employee', 'base.group_user')
        team = env['crm.team'].create({'name': 'Rpc private', 'assignment_domain': '[]'})
        env['crm.team.member'].create({'team_id': team.id, 'user_id': self.seller.id,
                                       'assignment_max': 30})
        self.lead = env['crm.lead'].with_context(crm_team_routing_no_route=True).create(
            {'name': 'Rpc private lead', 'type': 'lead', 'user_id': False, 'team_id': False})
        before = env['mail.message'].search([], order='id desc', limit=1).id
        team._action_assign_leads(leads=self.lead)
        self.lead.invalidate_cache()
        self.assertEqual(self.lead.user_id, self.seller)
        self.digest = env['mail.message'].search([
            ('id', '>', before), ('partner_ids', 'in', self.seller.partner_id.id)])
        self.assertEqual(len(self.digest), 1)
        # Notified by e-mail (the default): a mail is queued too.
        self.mail = env['mail.mail'].search([('mail_message_id', '=', self.digest.id)])
        self.assertEqual(len(self.mail), 1)
        self.db = common.get_db_name()

    def call(self, login, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.login(self.db, login, login)
        self.assertTrue(uid, login)
        return self.xmlrpc_object.execute_kw(self.db, uid, login, model, method, list(args),
                                             kwargs)

    def test_digest_over_xmlrpc(self):
        inbox = self.call('pm_seller', 'mail.message', 'search_read', [('needaction', '=', True)],
                          fields=['body', 'model', 'res_id'])
        digest = [row for row in inbox if row['id'] == self.digest.id]
        self.assertEqual(len(digest), 1, "the salesperson finds their digest in their Inbox")
        self.assertIn('Rpc private lead', digest[0]['body'])
        self.assertEqual((digest[0]['model'], digest[0]['res_id']), (False, 0))
        for login in ('pm_colleague', 'pm_employee'):
            self.assertEqual(self.call(login, 'mail.message', 'search_read',
                                       [('id', '=', self.digest.id)], fields=['body']), [], login)
            self.assertEqual(self.call(login, 'mail.message', 'search_count',
                                       [('body', 'ilike', 'Rpc private lead')]), 0, login)
            with self.assertRaises(Fault) as caught:
                self.call(login, 'mail.message', 'read', [self.digest.id], ['body'])
            self.assertEqual(caught.exception.faultCode, 4, "AccessError for %s" % login)
            self.assertEqual(self.call(login, 'mail.mail', 'search_read',
                                       [('mail_message_id', '=', self.digest.id)],
                                       fields=['body_html']), [], login)
            with self.assertRaises(Fault) as caught:
                self.call(login, 'mail.mail', 'read', [self.mail.id], ['body_html'])
            self.assertEqual(caught.exception.faultCode, 4, "AccessError for %s" % login)
