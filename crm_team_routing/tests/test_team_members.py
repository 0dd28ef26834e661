# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing members on the team form: nobody is mailed for being added, and the cards read
their 30-day load and quota set-wise."""
from .common import RoutingCase


class TestTeamMembers(RoutingCase):

    def mail_sequence(self):
        """The last id given to a mail.mail: in tests, an email is 'sent' (skipped) and
        deleted at once when it auto-deletes, but its id was taken."""
        self.env.cr.execute("SELECT last_value, is_called FROM mail_mail_id_seq")
        value, called = self.env.cr.fetchone()
        return value if called else value - 1

    def test_adding_a_member_mails_nobody(self):
        """Core's mail.thread subscribes the user of a tracked 'user_id' field and mails them
        "You have been assigned to the sales team routing member ...": not for a membership."""
        team = self.create_team('No mail', leader=self.leader_north)
        salesperson, other = self.sales[0], self.sales[1]
        self.assertEqual(salesperson.notification_type, 'email')
        # Tracking on, as in the web client.
        Member = self.Member.sudo(self.manager).with_context(tracking_disable=False)
        before = self.mail_sequence()
        member = Member.create({'team_id': team.id, 'user_id': salesperson.id,
                                'assignment_max': 20})
        member.write({'user_id': other.id})
        member.write({'assignment_max': 25})
        self.assertEqual(self.mail_sequence(), before, "an email was made for a membership")
        messages = self.env['mail.message'].search([('model', '=', 'crm.team.member'),
                                                    ('res_id', '=', member.id)])
        self.assertTrue(messages, "the membership's chatter still tracks its changes")
        self.assertFalse([body for body in messages.mapped('body')
                          if 'assigned to' in (body or '')])
        self.assertFalse(messages.mapped('partner_ids') & (salesperson | other).mapped(
            'partner_id'), "no message addressed to the salespeople")
        self.assertFalse(self.env['mail.notification'].search([
            ('mail_message_id', 'in', messages.ids),
            ('res_partner_id', 'in', (salesperson | other).mapped('partner_id').ids)]))
        followers = member.message_partner_ids
        self.assertNotIn(salesperson.partner_id, followers)
        self.assertNotIn(other.partner_id, followers)
        self.assertIn(self.manager.partner_id, followers, "who made it follows it, as in core")

    def test_cards_read_load_and_quota(self):
        """What a member card shows: the 30-day count against the quota, paused and absent,
        for all the members of the team at once."""
        team = self.create_team('Cards', members=[(self.sales[0], 4), (self.sales[1], 4),
                                                  (self.sales[2], 4)])
        members = team.routing_member_ids
        members.filtered(lambda m: m.user_id == self.sales[1]).assignment_optout = True
        absent = members.filtered(lambda m: m.user_id == self.sales[2])
        self.env['resource.calendar.leaves'].create({
            'name': 'Leave', 'resource_id': absent.resource_id.id,
            'calendar_id': absent.resource_calendar_id.id,
            'date_from': '2000-01-01 00:00:00', 'date_to': '2099-01-01 00:00:00'})
        self.create_leads(3, team_id=team.id)
        self.route(team)
        self.Member.invalidate_cache()
        cards = {member.user_id: (member.lead_month_count, member.assignment_quota,
                                  member.assignment_optout, member.is_absent)
                 for member in team.sudo(self.manager).routing_member_ids}
        self.assertEqual(cards[self.sales[0]], (3, 4, False, False))
        self.assertEqual(cards[self.sales[1]], (0, 4, True, False))
        self.assertEqual(cards[self.sales[2]][2:], (False, True))
