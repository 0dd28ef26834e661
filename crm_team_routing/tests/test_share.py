# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError

from .common import RoutingCase


class TestShare(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestShare, cls).setUpClass()
        cls.campaign = cls.env['utm.campaign'].create({'name': 'Tet promotion'})
        cls.other_campaign = cls.env['utm.campaign'].create({'name': 'Summer'})
        cls.rule = cls.env['crm.lead.share.rule'].create({
            'name': 'Tet watchers',
            'campaign_id': cls.campaign.id,
            'user_ids': [(6, 0, [cls.sales[1].id, cls.sales[2].id])],
        })

    def test_share_rule_moves_to_share_to_shared_once(self):
        # 'To share' is set by who may share (a manager here), never by a plain salesperson.
        owned = self.Lead.sudo(self.manager).with_context(default_user_id=self.sales[0].id)
        to_share = owned.create({'name': 'Tet A', 'campaign_id': self.campaign.id,
                                 'share_state': 'to_share'}) | owned.create(
            {'name': 'Tet B', 'campaign_id': self.campaign.id, 'share_state': 'to_share'})
        untouched = owned.create({'name': 'Tet C', 'campaign_id': self.campaign.id})
        elsewhere = owned.create({'name': 'Summer A', 'campaign_id': self.other_campaign.id,
                                  'share_state': 'to_share'})
        self.env['crm.lead.share.rule']._cron_apply_share_rules()
        self.Lead.invalidate_cache()
        self.assertEqual(set(to_share.mapped('share_state')), {'shared'})
        self.assertEqual(to_share.mapped('shared_user_ids'), self.sales[1] | self.sales[2])
        self.assertEqual(untouched.share_state, 'none')
        self.assertFalse(untouched.shared_user_ids)
        self.assertEqual(elsewhere.share_state, 'to_share')
        share_rows = to_share.mapped('assignment_log_ids').filtered(lambda r: r.kind == 'share')
        self.assertEqual(len(share_rows), 2)
        # The shared users read, and only read.
        self.assertSees(self.sales[1], to_share | untouched, to_share)
        with self.assertRaises(AccessError):
            to_share[0].sudo(self.sales[1]).write({'name': 'changed'})
        self.assertNotIn(self.sales[1].partner_id, to_share[0].message_partner_ids,
                         "shared users are not followers: followers may post")
        # Second run: nothing left to share, nothing written.
        self.env['crm.lead.share.rule']._cron_apply_share_rules()
        self.Lead.invalidate_cache()
        self.assertEqual(len(to_share.mapped('assignment_log_ids').filtered(
            lambda r: r.kind == 'share')), 2)

    def test_extra_filter(self):
        self.rule.domain = "[('planned_revenue', '>=', 1000)]"
        Lead = self.Lead.sudo(self.manager).with_context(default_user_id=self.sales[0].id)
        big = Lead.create({'name': 'Big', 'campaign_id': self.campaign.id,
                           'share_state': 'to_share', 'planned_revenue': 5000})
        small = Lead.create({'name': 'Small', 'campaign_id': self.campaign.id,
                             'share_state': 'to_share', 'planned_revenue': 10})
        self.rule.action_apply()
        self.Lead.invalidate_cache()
        self.assertEqual(big.share_state, 'shared')
        self.assertEqual(small.share_state, 'to_share')

    def test_sharing_by_hand_sets_state(self):
        # Sharing is for who may share: a plain salesperson may not (test_boundary_sharing).
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'By hand'}).sudo(self.manager)
        lead.write({'shared_user_ids': [(4, self.sales[3].id)]})
        self.assertEqual(lead.share_state, 'shared')
        self.assertSees(self.sales[3], lead, lead)
        lead.write({'shared_user_ids': [(5,)]})
        self.assertEqual(lead.share_state, 'none')
        self.assertSees(self.sales[3], lead, self.Lead)

    def test_share_action_logs(self):
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'Action share'}).sudo(self.manager)
        lead.action_share_with_users(self.sales[2] | self.sales[3])
        self.assertEqual(lead.shared_user_ids, self.sales[2] | self.sales[3])
        self.assertEqual(lead.share_state, 'shared')
        self.assertIn(self.sales[2].name, lead.assignment_log_ids[0].reason)

    def test_shared_readonly_for_the_shared_reader_only(self):
        """The lead form's read-only mode: true for a user the lead is shared with who may not
        write it, false for its owner and for a shared user who may write it anyway."""
        lead = self.Lead.sudo(self.sales[0]).create({'name': 'Read only for Sales 2'})
        own = self.Lead.sudo(self.sales[1]).create({'name': 'Her own lead'})
        self.share(lead.sudo(self.manager), self.sales[1], self.all_leads)
        as_shared = self.Lead.sudo(self.sales[1]).browse((lead | own).ids)
        self.assertEqual([(record.name, record.routing_shared_readonly) for record in as_shared],
                         [('Read only for Sales 2', True), ('Her own lead', False)])
        self.assertFalse(lead.sudo(self.sales[0]).routing_shared_readonly, "the owner writes")
        self.assertFalse(lead.sudo(self.all_leads).routing_shared_readonly,
                         "shared, but an 'All Documents' user writes every lead")
        self.assertFalse(lead.sudo(self.manager).routing_shared_readonly)
        # Once the lead is hers, it is no longer read-only for her.
        lead.sudo(self.manager).write({'user_id': self.sales[1].id})
        self.assertFalse(lead.sudo(self.sales[1]).routing_shared_readonly)
