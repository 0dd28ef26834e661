# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Followers follow the rights (DESIGN.md, Rights): only who may write a lead adds followers or
posts on it, and a salesperson who loses a lead stops following it unless they still read it
another way."""
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestFollowers(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestFollowers, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])

    def create_lead(self, owner, name, creator=None, **values):
        """A lead of ``owner`` in North, created as people do in the UI: with followers (the
        tests' environment disables tracking, which also skips subscriptions)."""
        Lead = self.Lead.sudo(creator or owner).with_context(
            tracking_disable=False, mail_auto_subscribe_no_notify=True)
        lead = Lead.create(dict({'name': name, 'user_id': owner.id, 'team_id': self.north.id},
                                **values))
        self.assertFollows(owner, lead)
        return lead.sudo()

    def reassign_by_hand(self, lead, user):
        lead.sudo(self.manager).with_context(
            tracking_disable=False, mail_auto_subscribe_no_notify=True).write({'user_id': user.id})
        lead.invalidate_cache()

    # ------------------------------------------------------------------------------------------
    # Who may add followers and post
    # ------------------------------------------------------------------------------------------

    def test_shared_user_cannot_follow(self):
        lead = self.create_lead(self.sales[0], 'Follow shared')
        self.share(lead, self.sales[3])
        as_shared = lead.sudo(self.sales[3])
        self.assertEqual(as_shared.read(['name'])[0]['name'], 'Follow shared', "they read it")
        with self.assertRaises(AccessError):
            as_shared.message_subscribe(partner_ids=[self.sales[3].partner_id.id])
        self.assertFollows(self.sales[3], lead, False)
        with self.assertRaises(AccessError):
            as_shared.message_subscribe_users()
        self.assertFollows(self.sales[3], lead, False)

    def test_shared_user_cannot_post(self):
        lead = self.create_lead(self.sales[0], 'Post shared')
        self.share(lead, self.sales[3])
        with self.assertRaises(AccessError):
            lead.sudo(self.sales[3]).message_post(body='Me too', message_type='comment',
                                                  subtype='mail.mt_comment')

    def test_follower_rows_only_by_who_may_write(self):
        lead = self.create_lead(self.sales[0], 'Follow rows')
        self.share(lead, self.sales[3])
        # The shared user reads it; the colleague and the employee do not even read it.
        for user in (self.sales[3], self.sales[1], self.employee):
            with self.assertRaisesFor(AccessError, user.login):
                self.env['mail.followers'].sudo(user).create({
                    'res_model': 'crm.lead', 'res_id': lead.id,
                    'partner_id': user.partner_id.id})
            self.assertFollows(user, lead, False)

    def test_salesperson_follows_and_posts_on_their_lead(self):
        lead = self.create_lead(self.sales[0], 'Follow mine')
        mine = lead.sudo(self.sales[0])
        mine.message_unsubscribe_users()
        self.assertFollows(self.sales[0], lead, False)
        mine.message_subscribe_users()
        self.assertFollows(self.sales[0], lead)
        mine.message_unsubscribe_users()
        self.env['mail.followers'].sudo(self.sales[0]).create({
            'res_model': 'crm.lead', 'res_id': lead.id, 'partner_id': self.sales[0].partner_id.id})
        self.assertFollows(self.sales[0], lead)
        message = mine.message_post(body='Called the customer', message_type='comment',
                                    subtype='mail.mt_comment')
        self.assertEqual(message.sudo().res_id, lead.id)

    # ------------------------------------------------------------------------------------------
    # Reassignment
    # ------------------------------------------------------------------------------------------

    def test_reassigned_by_hand_previous_salesperson_stops_following(self):
        lead = self.create_lead(self.sales[0], 'Follow by hand')
        self.reassign_by_hand(lead, self.sales[1])
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertFollows(self.sales[1], lead)
        self.assertFollows(self.sales[0], lead, False)

    def test_reassigned_by_wizard_previous_salesperson_stops_following(self):
        lead = self.create_lead(self.sales[0], 'Follow wizard')
        self.mass_assign(self.manager, lead, mode='user', user_id=self.sales[1].id,
                         team_id=self.north.id).action_apply()
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertFollows(self.sales[1], lead)
        self.assertFollows(self.sales[0], lead, False)

    def test_previous_salesperson_leading_the_team_keeps_following(self):
        lead = self.create_lead(self.leader_north, 'Follow leader', creator=self.manager)
        self.reassign_by_hand(lead, self.sales[0])
        self.assertFollows(self.sales[0], lead)
        self.assertFollows(self.leader_north, lead)

    def test_previous_salesperson_shared_with_stops_following(self):
        """Revision 3: followers are the people who may write the lead; one it is shared with
        reads it and does not follow it."""
        lead = self.create_lead(self.sales[0], 'Follow still shared')
        self.share(lead, self.sales[0])
        self.reassign_by_hand(lead, self.sales[1])
        self.assertFollows(self.sales[1], lead)
        self.assertFollows(self.sales[0], lead, False)
        self.assertSees(self.sales[0], lead, lead)

    def test_previous_salesperson_with_all_documents_keeps_following(self):
        lead = self.create_lead(self.all_leads, 'Follow all documents')
        self.reassign_by_hand(lead, self.sales[0])
        self.assertFollows(self.sales[0], lead)
        self.assertFollows(self.all_leads, lead)
