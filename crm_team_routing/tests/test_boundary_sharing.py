# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3, Boundaries: one sharing policy whatever the door (``action_share_with_users``,
``shared_user_ids`` on create and write in every command form, the wizard, the share rules);
rules without a company applied by a manager to the leads of their companies only."""
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestBoundarySharing(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestBoundarySharing, cls).setUpClass()
        cls.create_north_south(south_sales=cls.sales[2:3])
        # North's leader also works in South (a lead of theirs stays there), without leading it.
        cls.Member.create({'team_id': cls.south.id, 'user_id': cls.leader_north.id})
        cls.create_company_b()
        cls.sales_b = cls.create_user('routing_sharing_b', 'sales_team.group_sale_salesman',
                                      company_id=cls.company_b.id,
                                      company_ids=[(6, 0, [cls.company_b.id])])
        cls.campaign = cls.env['utm.campaign'].create({'name': 'Boundary campaign'})

    def lead_of(self, owner, team, name):
        return self.Lead.sudo(owner).with_context(crm_team_routing_no_route=True).create(
            {'name': name, 'user_id': owner.id, 'team_id': team.id})

    def doors(self, lead, users):
        """Every way a person shares ``lead`` (in ``lead``'s environment) with ``users``."""
        ids = users.ids
        return [
            ('action_share_with_users', lambda: lead.action_share_with_users(users)),
            ('(4, id)', lambda: lead.write({'shared_user_ids': [(4, i) for i in ids]})),
            ('(6, 0, ids)', lambda: lead.write({'shared_user_ids': [(6, 0, ids)]})),
        ]

    def assertRefused(self, lead, users, who):
        for door, share in self.doors(lead, users):
            with self.assertRaisesFor(AccessError, '%s through %s' % (who, door)):
                share()
            lead.invalidate_cache()
            self.assertFalse(lead.sudo().shared_user_ids & users, '%s shared through %s' % (
                who, door))

    def test_leader_shares_their_teams_leads_with_their_people_only(self):
        north = self.lead_of(self.sales[0], self.north, 'Share North').sudo(self.leader_north)
        self.assertRefused(north, self.sales[2], 'a South salesperson')
        self.assertRefused(north, self.sales[1] | self.sales[2], 'one of two outside')
        own_south = self.lead_of(self.leader_north, self.south, 'Leader own in South')
        self.assertRefused(own_south, self.sales[1], 'a lead of a team they do not lead')
        for door, share in self.doors(north, self.sales[1]):
            share()
            self.assertEqual(north.shared_user_ids, self.sales[1], door)
            north.sudo().write({'shared_user_ids': [(5,)]})
        with self.assertRaisesFor(AccessError, 'creating a user through the lead'):
            north.write({'shared_user_ids': [(0, 0, {'name': 'New', 'login': 'new_share'})]})
        with self.assertRaisesFor(AccessError, 'creating a lead shared outside'):
            self.Lead.sudo(self.leader_north).create({
                'name': 'Created shared', 'team_id': self.north.id, 'user_id': self.sales[0].id,
                'shared_user_ids': [(6, 0, [self.sales[2].id])]})
        created = self.Lead.sudo(self.leader_north).create({
            'name': 'Created shared inside', 'team_id': self.north.id,
            'user_id': self.sales[0].id, 'shared_user_ids': [(6, 0, [self.sales[1].id])]})
        self.assertEqual((created.shared_user_ids, created.share_state), (self.sales[1], 'shared'))

    def test_salesperson_cannot_share_nor_unshare(self):
        lead = self.lead_of(self.sales[0], self.north, 'Salesperson share')
        self.assertRefused(lead.sudo(self.sales[0]), self.sales[1], 'a salesperson')
        with self.assertRaisesFor(AccessError, 'a salesperson creating'):
            self.Lead.sudo(self.sales[0]).create({
                'name': 'Created shared', 'user_id': self.sales[0].id,
                'shared_user_ids': [(4, self.sales[1].id)]})
        lead.sudo(self.leader_north).action_share_with_users(self.sales[1])
        for command in ([(3, self.sales[1].id)], [(5,)], [(6, 0, [])]):
            with self.assertRaisesFor(AccessError, 'removing with %s' % (command,)):
                lead.sudo(self.sales[0]).write({'shared_user_ids': command})
        lead.invalidate_cache()
        self.assertEqual(lead.shared_user_ids, self.sales[1])
        lead.sudo(self.leader_north).write({'shared_user_ids': [(3, self.sales[1].id)]})
        self.assertFalse(lead.shared_user_ids)

    def test_nobody_shares_outside_the_lead_company(self):
        lead = self.lead_of(self.sales[0], self.north, 'Company A lead')
        for user in (self.manager, self.all_leads):
            self.assertRefused(lead.sudo(user), self.sales_b, user.login)
        lead.sudo(self.manager).action_share_with_users(self.sales[2])
        self.assertEqual(lead.shared_user_ids, self.sales[2], "a manager shares in the company")

    def test_wizard_same_policy(self):
        lead = self.lead_of(self.sales[0], self.north, 'Wizard share')
        wizard = self.mass_assign(self.leader_north, lead, mode='share',
                                  share_user_ids=[(6, 0, [self.sales[2].id])])
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.assertFalse(lead.shared_user_ids)

    # ------------------------------------------------------------------------------------------
    # Rules without a company, applied by a manager
    # ------------------------------------------------------------------------------------------

    def test_share_rule_without_company_by_a_manager(self):
        rule = self.env['crm.lead.share.rule'].create({
            'name': 'Everywhere', 'campaign_id': self.campaign.id, 'company_id': False,
            'user_ids': [(6, 0, [self.sales[3].id, self.sales_b.id])]})
        Lead = self.Lead.with_context(crm_team_routing_no_route=True)
        lead_a = Lead.create({'name': 'Rule A', 'user_id': self.sales[0].id,
                              'campaign_id': self.campaign.id, 'share_state': 'to_share',
                              'company_id': self.company.id})
        lead_b = Lead.create({'name': 'Rule B', 'user_id': self.sales_b.id,
                              'campaign_id': self.campaign.id, 'share_state': 'to_share',
                              'company_id': self.company_b.id})
        rule.sudo(self.manager).action_apply()
        (lead_a | lead_b).invalidate_cache()
        self.assertEqual((lead_a.share_state, lead_a.shared_user_ids),
                         ('shared', self.sales[3]), "only the rule's users of company A")
        self.assertEqual((lead_b.share_state, lead_b.shared_user_ids),
                         ('to_share', self.Lead.env['res.users']),
                         "company B is not the manager's")
        # The cron applies it everywhere, each lead with the users of its company.
        self.env['crm.lead.share.rule']._cron_apply_share_rules()
        lead_b.invalidate_cache()
        self.assertEqual((lead_b.share_state, lead_b.shared_user_ids), ('shared', self.sales_b))

    def test_share_rule_of_another_company_refused(self):
        rule_b = self.env['crm.lead.share.rule'].create({
            'name': 'Rule of B', 'campaign_id': self.campaign.id,
            'company_id': self.company_b.id, 'user_ids': [(6, 0, [self.sales_b.id])]})
        with self.assertRaises(AccessError):
            rule_b.sudo(self.manager).action_apply()

    def test_scoring_rule_without_company_by_a_manager(self):
        rule = self.env['crm.lead.scoring.rule'].create({
            'name': 'Everyone ten', 'domain': '[]', 'points': 10, 'company_id': False})
        Lead = self.Lead.with_context(crm_team_routing_no_route=True)
        lead_a = Lead.create({'name': 'Score A', 'user_id': self.sales[0].id,
                              'company_id': self.company.id})
        lead_b = Lead.create({'name': 'Score B', 'user_id': self.sales_b.id,
                              'company_id': self.company_b.id})
        self.env.cr.execute("UPDATE crm_lead SET score = 0 WHERE id IN %s",
                            ((lead_a.id, lead_b.id),))
        self.Lead.invalidate_cache()
        rule.sudo(self.manager).action_recompute_scores()
        self.Lead.invalidate_cache()
        self.assertEqual((lead_a.score, lead_b.score), (10.0, 0.0))
        rule.sudo(self.manager_b).action_recompute_scores()
        self.Lead.invalidate_cache()
        self.assertEqual((lead_a.score, lead_b.score), (10.0, 10.0))
