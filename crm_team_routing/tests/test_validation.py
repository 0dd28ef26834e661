# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may be a routing member or a share rule's user, and who sees the activity report
(DESIGN.md, Data model and Rights)."""
from odoo.exceptions import AccessError, ValidationError

from .common import RoutingCase


class TestValidation(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestValidation, cls).setUpClass()
        cls.create_company_b()
        cls.team = cls.create_team('Validation team', members=[(cls.sales[0], 10)])
        cls.sales_b = cls.create_user('routing_sales_b', 'sales_team.group_sale_salesman',
                                      company_id=cls.company_b.id,
                                      company_ids=[(6, 0, [cls.company_b.id])])
        # Works for B, may also work in the first company.
        cls.sales_ab = cls.create_user('routing_sales_ab', 'sales_team.group_sale_salesman',
                                       company_id=cls.company_b.id,
                                       company_ids=[(6, 0, [cls.company_b.id, cls.company.id])])
        cls.campaign = cls.env['utm.campaign'].create({'name': 'Validation campaign'})
        # A done activity on a lead of each company: rows of crm.activity.report.
        Lead = cls.Lead.with_context(crm_team_routing_no_route=True)
        cls.lead_a = Lead.create({'name': 'Activity A', 'user_id': cls.sales[0].id,
                                  'team_id': cls.team.id})
        cls.lead_b = Lead.create({'name': 'Activity B', 'user_id': cls.manager_b.id,
                                  'company_id': cls.company_b.id})
        call = cls.env['mail.activity.type'].create({'name': 'Validation call'})
        for lead in cls.lead_a | cls.lead_b:
            cls.env['mail.message'].create({
                'model': 'crm.lead',
                'res_id': lead.id,
                'message_type': 'notification',
                'subtype_id': cls.env.ref('mail.mt_activities').id,
                'mail_activity_type_id': call.id,
                'body': 'Called %s' % lead.name,
            })

    def assertRefused(self, save):
        # The savepoint stands for the request's rollback.
        with self.assertRaises(ValidationError):
            with self.env.cr.savepoint():
                save()

    def add_member(self, user):
        return self.Member.sudo(self.manager).create({'team_id': self.team.id, 'user_id': user.id})

    def create_share_rule(self, users):
        return self.env['crm.lead.share.rule'].sudo(self.manager).create({
            'name': 'Validation sharing',
            'campaign_id': self.campaign.id,
            'user_ids': [(6, 0, users.ids)],
        })

    # ------------------------------------------------------------------------------------------
    # Routing members
    # ------------------------------------------------------------------------------------------

    def test_portal_user_cannot_be_a_routing_member(self):
        self.assertTrue(self.portal.share)
        self.assertRefused(lambda: self.add_member(self.portal))
        self.assertFalse(self.Member.search([('user_id', '=', self.portal.id)]))
        member = self.team.routing_member_ids.sudo(self.manager)
        self.assertRefused(lambda: member.write({'user_id': self.portal.id}))

    def test_member_must_be_allowed_in_the_team_company(self):
        self.assertRefused(lambda: self.add_member(self.sales_b))
        self.assertFalse(self.Member.search([('user_id', '=', self.sales_b.id)]))
        self.assertTrue(self.add_member(self.sales_ab), "may work in the team's company")

    # ------------------------------------------------------------------------------------------
    # Share rules
    # ------------------------------------------------------------------------------------------

    def test_share_rule_needs_users(self):
        self.assertRefused(lambda: self.create_share_rule(self.env['res.users']))
        rule = self.create_share_rule(self.sales[1])
        self.assertRefused(lambda: rule.write({'user_ids': [(5,)]}))

    def test_share_rule_only_with_internal_users(self):
        self.assertRefused(lambda: self.create_share_rule(self.sales[1] | self.portal))
        rule = self.create_share_rule(self.sales[1])
        self.assertRefused(lambda: rule.write({'user_ids': [(4, self.portal.id)]}))

    # ------------------------------------------------------------------------------------------
    # Activity report
    # ------------------------------------------------------------------------------------------

    def activity_leads(self, user):
        """The leads whose activity rows ``user`` finds in the report (none when refused)."""
        try:
            rows = self.env['crm.activity.report'].sudo(user).search(
                [('lead_id', 'in', (self.lead_a | self.lead_b).ids)])
            return rows.mapped('lead_id').sudo()
        except AccessError:
            return self.Lead

    def test_activity_report_per_company(self):
        self.assertEqual(self.activity_leads(self.manager_b), self.lead_b,
                         "a manager of B sees the activities of B only")
        self.assertEqual(self.activity_leads(self.manager), self.lead_a,
                         "a manager of A sees the activities of A only")
        self.assertEqual(self.activity_leads(self.sales[0]), self.lead_a, "own lead's activity")

    def test_activity_report_needs_sales_rights(self):
        self.assertEqual(self.activity_leads(self.employee), self.Lead)
