# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3, Boundaries: an internal user follows a lead only while they may write it; a
shared reader never follows nor posts, also when made a follower by someone else; follower rows
of a lead are readable only by who may read the lead."""
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestBoundaryFollowers(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestBoundaryFollowers, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])
        cls.create_company_b()
        cls.reader = cls.sales[3]
        Lead = cls.Lead.with_context(crm_team_routing_no_route=True, tracking_disable=False,
                                     mail_auto_subscribe_no_notify=True)
        cls.lead = Lead.sudo(cls.sales[0]).create({
            'name': 'Followed lead', 'user_id': cls.sales[0].id, 'team_id': cls.north.id})
        cls.lead.sudo(cls.manager).action_share_with_users(cls.reader)

    def follows(self, user):
        self.lead.invalidate_cache()
        return user.partner_id in self.lead.sudo().message_partner_ids

    def test_owner_and_manager_cannot_subscribe_a_reader(self):
        for user in (self.sales[0], self.leader_north, self.manager):
            as_user = self.lead.sudo(user)
            with self.assertRaisesFor(AccessError, '%s subscribing the reader' % user.login) \
                    as caught:
                as_user.message_subscribe(partner_ids=[self.reader.partner_id.id])
            self.assertIn(self.reader.name, caught.exception.name)
            with self.assertRaisesFor(AccessError, '%s through the users' % user.login):
                as_user.message_subscribe_users(user_ids=[self.reader.id])
            with self.assertRaisesFor(AccessError, '%s creating the row' % user.login):
                self.env['mail.followers'].sudo(user).create({
                    'res_model': 'crm.lead', 'res_id': self.lead.id,
                    'partner_id': self.reader.partner_id.id})
            self.assertFalse(self.follows(self.reader))
        # A colleague who may write it (the leader) and a customer may be added.
        customer = self.create_customer('Follower customer')
        self.lead.sudo(self.sales[0]).message_subscribe(
            partner_ids=[self.leader_north.partner_id.id, customer.id])
        self.assertTrue(self.follows(self.leader_north))

    def test_reader_made_follower_cannot_post(self):
        # Followers added before the rules, or by the system: still no posting.
        self.lead.sudo().message_subscribe(partner_ids=[self.reader.partner_id.id])
        self.assertTrue(self.follows(self.reader))
        as_reader = self.lead.sudo(self.reader)
        note = self.lead.sudo(self.sales[0]).message_post(
            body='For the team', message_type='comment', subtype='mail.mt_comment',
            partner_ids=[self.reader.partner_id.id])
        posts = [
            ('comment', lambda: as_reader.message_post(body='Me', message_type='comment',
                                                       subtype='mail.mt_comment')),
            ('notification', lambda: as_reader.message_post(body='Me',
                                                            message_type='notification')),
            ('nosubscribe', lambda: as_reader.with_context(
                mail_create_nosubscribe=True).message_post(body='Me', message_type='comment')),
            ('reply', lambda: as_reader.message_post(body='Re', message_type='comment',
                                                     parent_id=note.id)),
            ('mail.message', lambda: self.env['mail.message'].sudo(self.reader).create({
                'model': 'crm.lead', 'res_id': self.lead.id, 'body': 'Direct',
                'message_type': 'comment'})),
            ('default_res_id', lambda: self.env['mail.message'].sudo(self.reader).with_context(
                default_model='crm.lead', default_res_id=self.lead.id).create(
                {'body': 'By default', 'message_type': 'notification'})),
        ]
        before = self.lead.sudo().message_ids
        for door, post in posts:
            with self.assertRaisesFor(AccessError, door):
                post()
        self.lead.invalidate_cache()
        self.assertEqual(self.lead.sudo().message_ids, before)
        # The owner still posts.
        self.lead.sudo(self.sales[0]).message_post(body='Called', message_type='comment')

    def test_reader_email_through_the_gateway_does_not_subscribe(self):
        """The mail gateway posts as the system with the sender as author; core then makes the
        author a follower: not a reader."""
        self.lead.sudo().message_post(body='By email', message_type='email',
                                      author_id=self.reader.partner_id.id)
        self.assertFalse(self.follows(self.reader))
        self.lead.sudo().message_post(body='By email', message_type='email',
                                      author_id=self.leader_north.partner_id.id)
        self.assertTrue(self.follows(self.leader_north), "who may write it follows it")

    def test_team_followers_who_may_not_write_are_left_out(self):
        """Core subscribes a team's followers to the leads entering it: only those who may
        write the lead follow it, and the move succeeds."""
        subtype = self.env.ref('crm.mt_salesteam_lead')
        self.south.message_subscribe(partner_ids=[self.employee.partner_id.id,
                                                  self.all_leads.partner_id.id],
                                     subtype_ids=[subtype.id])
        self.lead.sudo(self.manager).with_context(
            tracking_disable=False, mail_auto_subscribe_no_notify=True).write(
            {'team_id': self.south.id})
        self.assertTrue(self.follows(self.all_leads))
        self.assertFalse(self.follows(self.employee))

    def test_follower_rows_of_unreadable_leads_hidden(self):
        Followers = self.env['mail.followers']
        domain = [('res_model', '=', 'crm.lead'), ('res_id', '=', self.lead.id)]
        rows = Followers.sudo().search(domain)
        self.assertTrue(rows)
        for user in (self.employee, self.manager_b, self.sales[1], self.sales[2]):
            as_user = Followers.sudo(user)
            self.assertFalse(as_user.search(domain), user.login)
            self.assertEqual(as_user.search_count([('res_model', '=', 'crm.lead')]),
                             as_user.search_count([('res_model', '=', 'crm.lead'),
                                                   ('res_id', '!=', self.lead.id)]))
            self.assertFalse(as_user.read_group(domain, ['res_id'], ['res_id']))
            with self.assertRaisesFor(AccessError, '%s reading the row' % user.login):
                rows.sudo(user).read(['partner_id'])
        # Who may read the lead sees its followers; rows of other documents stay visible.
        for user in (self.sales[0], self.reader, self.leader_north, self.manager):
            self.assertEqual(Followers.sudo(user).search(domain), rows, user.login)
        team_rows = Followers.sudo(self.employee).search([('res_model', '=', 'crm.team')])
        self.assertEqual(team_rows, Followers.sudo().search([('res_model', '=', 'crm.team')]))
