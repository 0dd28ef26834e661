# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing owner step (DESIGN.md "Existing owner"): a customer who writes or calls again
goes back to the salesperson who already has them. Routing runs as a sales manager."""
from datetime import timedelta

from odoo import fields

from .common import RoutingCase

PHONE = '0912 345 678'         # a Vinaphone mobile, as people type it
PHONE_E164 = '+84912345678'


class TestOwner(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestOwner, cls).setUpClass()
        # A Vietnamese sales floor: numbers without a country are read as Vietnamese (a demo
        # database gives the main company another country).
        cls.company.country_id = cls.country_vn
        cls.create_north_south(south_sales=cls.sales[2:4])
        (cls.north | cls.south).write({'assignment_owner': True})
        cls.south.sequence = 20
        cls.Log = cls.env['crm.lead.assignment.log']

    def route_all(self, leads=None):
        return self.route(self.north | self.south, leads=leads, user=self.manager)

    def member_row(self, lead):
        return lead.assignment_log_ids.filtered(lambda row: row.kind == 'member')

    def assertOwner(self, lead, user, team=None, *texts):
        """``lead`` went to ``user`` (in ``team``) through the owner step, its reason saying
        ``texts``."""
        self.assertEqual(lead.user_id, user)
        if team:
            self.assertEqual(lead.team_id, team)
        row = self.member_row(lead)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.rule, 'owner')
        self.assertFalse(lead.assignment_log_ids.filtered(lambda r: r.kind == 'team'),
                         "a lead placed by the owner step skips phases 1 and 2")
        for text in texts:
            self.assertIn(text, row.reason)

    def assertNotOwner(self, lead, *texts):
        """``lead`` was routed as usual; its reason says ``texts`` (why the owner was skipped)."""
        rows = lead.assignment_log_ids
        self.assertTrue(rows)
        self.assertNotIn('owner', rows.mapped('rule'))
        last = rows.sorted('id')[-1]
        if texts:
            for text in texts:
                self.assertIn(text, last.reason)
        else:
            self.assertNotIn('Existing owner', ' '.join(rows.mapped('reason')))

    # ------------------------------------------------------------------------------------------
    # Levels
    # ------------------------------------------------------------------------------------------

    def test_level1_salesperson_of_the_customer(self):
        pharmacy = self.create_customer('Nhà thuốc An Khang', user=self.sales[3], is_company=True)
        contact = self.create_customer('Chị Lan', parent_id=pharmacy.id)
        own = self.create_customer('Anh Bình', user=self.sales[1], parent_id=pharmacy.id)
        # The team filter does not take these leads: ownership beats it.
        self.south.assignment_domain = "[('country_id', '=', %d)]" % self.country_fr.id
        by_company = self.create_leads(1, prefix='Contact', partner_id=contact.id)
        by_contact = self.create_leads(1, prefix='Own', partner_id=own.id)
        self.route_all()
        self.assertOwner(by_company, self.sales[3], self.south, 'Nhà thuốc An Khang',
                         self.sales[3].name)
        # The contact's own salesperson comes before the company's.
        self.assertOwner(by_contact, self.sales[1], self.north, 'Anh Bình')

    def test_level2_customer_then_email_then_phone(self):
        customer = self.create_customer('Công ty Minh Phát', is_company=True)
        by_phone = self.create_owned(self.sales[2], self.south, name='By phone', phone=PHONE,
                                     assigned='2026-11-20 10:00:00')
        self.create_owned(self.sales[1], self.north, name='By email',
                          email_from='lan@minhphat.vn', assigned='2026-11-10 10:00:00')
        self.create_owned(self.sales[0], self.north, name='By customer',
                          partner_id=customer.id, assigned='2026-11-01 10:00:00')
        self.assertEqual(by_phone.phone_sanitized, PHONE_E164)
        first = self.create_leads(1, prefix='All keys', partner_id=customer.id,
                                  email_from='Lan <LAN@minhphat.vn>', phone='+84 912345678')
        second = self.create_leads(1, prefix='Email and phone', email_from='lan@MinhPhat.vn',
                                   mobile='84912345678')
        third = self.create_leads(1, prefix='Phone', phone='0912.345.678')
        self.route_all()
        self.assertOwner(first, self.sales[0], self.north,
                         "open opportunity 'By customer' owned by %s, same customer Công ty "
                         "Minh Phát" % self.sales[0].name)
        self.assertOwner(second, self.sales[1], self.north,
                         "open opportunity 'By email' owned by %s, same email lan@minhphat.vn"
                         % self.sales[1].name)
        self.assertOwner(third, self.sales[2], self.south,
                         "open opportunity 'By phone' owned by %s, same phone %s"
                         % (self.sales[2].name, PHONE_E164))

    def test_within_a_level_the_most_recently_assigned_wins(self):
        self.create_owned(self.sales[0], self.north, name='Old', phone=PHONE,
                          assigned='2026-10-01 10:00:00')
        self.create_owned(self.sales[2], self.south, name='Recent', phone=PHONE,
                          assigned='2026-11-01 10:00:00')
        self.create_owned(self.sales[1], self.north, name='Tie low id', phone='0903 123 456',
                          assigned='2026-11-01 10:00:00')
        self.create_owned(self.sales[3], self.south, name='Tie high id', phone='0903 123 456',
                          assigned='2026-11-01 10:00:00')
        recent = self.create_leads(1, prefix='Recent', phone=PHONE)
        tie = self.create_leads(1, prefix='Tie', phone='+84903123456')
        self.route_all()
        self.assertOwner(recent, self.sales[2], self.south, "'Recent'")
        self.assertOwner(tie, self.sales[3], self.south, "'Tie high id'")

    def test_level3_open_lead_and_level4_customer(self):
        self.create_customer('Khách lẻ', user=self.sales[3], phone='0903 123 456',
                             email='LAN@ACME.VN')
        self.create_owned(self.sales[1], self.north, name='Open lead', lead_type='lead',
                          phone='0903.123.456', assigned='2026-01-01 10:00:00')
        by_phone = self.create_leads(1, prefix='Phone', phone='+84 903 123 456')
        by_email = self.create_leads(1, prefix='Email', email_from='"Lan" <lan@acme.vn>')
        self.route_all()
        self.assertOwner(by_phone, self.sales[1], self.north,
                         "open lead 'Open lead' owned by %s, same phone +84903123456"
                         % self.sales[1].name)
        self.assertEqual(by_email.email_normalized, 'lan@acme.vn')
        self.assertOwner(by_email, self.sales[3], self.south,
                         "customer Khách lẻ, whose salesperson is %s, same email lan@acme.vn"
                         % self.sales[3].name)

    def test_an_opportunity_beats_an_open_lead_and_a_customer(self):
        self.create_customer('Customer', user=self.sales[3], phone=PHONE)
        self.create_owned(self.sales[2], self.south, name='Lead', lead_type='lead', phone=PHONE,
                          assigned='2026-11-20 10:00:00')
        self.create_owned(self.sales[0], self.north, name='Opportunity', phone=PHONE,
                          assigned='2026-01-01 10:00:00')
        lead = self.create_leads(1, phone=PHONE)
        self.route_all()
        self.assertOwner(lead, self.sales[0], self.north, "'Opportunity'")

    def test_won_and_lost_records_never_match(self):
        won = self.create_owned(self.sales[0], self.north, name='Won', phone=PHONE)
        won.action_set_won()
        lost = self.create_owned(self.sales[0], self.north, name='Lost', phone=PHONE)
        lost.action_set_lost()
        self.assertEqual((won.probability, lost.active), (100, False))
        lead = self.create_leads(1, phone=PHONE)
        self.route_all()
        self.assertTrue(lead.user_id)
        self.assertNotOwner(lead)
        self.assertEqual(set(lead.assignment_log_ids.mapped('rule')), {'balance'})

    def test_team_without_the_option_routes_as_usual(self):
        (self.north | self.south).write({'assignment_owner': False})
        self.create_owned(self.sales[3], self.south, phone=PHONE)
        lead = self.create_leads(1, phone=PHONE)
        self.route_all()
        self.assertNotOwner(lead)

    # ------------------------------------------------------------------------------------------
    # Stoplist
    # ------------------------------------------------------------------------------------------

    def test_stoplist_ignores_a_hotline(self):
        hotline = '0988 000 111'
        for index in range(10):
            self.create_owned(self.sales[0], self.north, name='Hotline A%d' % index,
                              lead_type='lead', phone=hotline)
            self.create_owned(self.sales[1], self.north, name='Hotline B%d' % index,
                              lead_type='lead', phone=hotline)
        key = self.Lead.search([('name', '=', 'Hotline A0')]).phone_sanitized
        self.assertTrue(key)
        # 20 records besides the candidate: below the stoplist, the most recent one wins.
        first = self.create_leads(1, prefix='First caller', phone=hotline)
        self.route_all()
        self.assertOwner(first, self.sales[1], self.north, "'Hotline B9'")
        # Now 21 records with two owners: the number says nothing about who the customer is.
        second = self.create_leads(1, prefix='Second caller', phone=hotline)
        self.route_all()
        self.assertTrue(second.user_id)
        self.assertNotOwner(second)

    def test_stoplist_counts_customers_and_needs_two_owners(self):
        self.member_of(self.north, self.sales[0]).assignment_max = 100
        for index in range(25):
            self.create_owned(self.sales[0], self.north, name='Same owner %d' % index,
                              email_from='info@pharma.vn')
        one_owner = self.create_leads(1, prefix='One owner', email_from='INFO@pharma.vn')
        for index in range(10):
            self.create_owned(self.sales[0], self.north, name='Shared A%d' % index,
                              email_from='sales@pharma.vn')
            self.create_owned(self.sales[1], self.north, name='Shared B%d' % index,
                              email_from='sales@pharma.vn')
        self.create_customer('Pharma', user=self.sales[2], email='sales@pharma.vn')
        shared = self.create_leads(1, prefix='Shared', email_from='sales@pharma.vn')
        self.route_all()
        self.assertOwner(one_owner, self.sales[0], self.north, "'Same owner 24'")
        self.assertNotOwner(shared)

    # ------------------------------------------------------------------------------------------
    # Eligibility of the owner
    # ------------------------------------------------------------------------------------------

    def test_paused_owner_is_skipped_and_the_reason_says_why(self):
        self.create_owned(self.sales[0], self.north, name='Nhà thuốc An Khang', phone=PHONE)
        self.member_of(self.north, self.sales[0]).assignment_optout = True
        lead = self.create_leads(1, phone=PHONE)
        self.route(self.north, user=self.manager)
        self.assertEqual(lead.user_id, self.sales[1], "routed as usual")
        self.assertNotOwner(lead, "Existing owner skipped (open opportunity 'Nhà thuốc An "
                                  "Khang' owned by %s, same phone %s)" % (
                                      self.sales[0].name, PHONE_E164),
                            '%s is paused' % self.sales[0].name)

    def test_owner_at_capacity_is_skipped(self):
        # The opportunity itself counts in the 30 days: 1 of 1.
        self.create_owned(self.sales[0], self.north, name='Full', phone=PHONE)
        self.member_of(self.north, self.sales[0]).assignment_max = 1
        lead = self.create_leads(1, phone=PHONE)
        self.route(self.north, user=self.manager)
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertNotOwner(lead, '%s has no capacity left (1/1)' % self.sales[0].name)

    def test_absent_owner_is_skipped(self):
        """An owner on leave (their resource's leave covering now) does not take the lead; their
        colleague does, and the reason says why."""
        self.create_owned(self.sales[0], self.north, name='On leave', phone=PHONE)
        member = self.member_of(self.north, self.sales[0])
        now = fields.Datetime.from_string(fields.Datetime.now())
        self.env['resource.calendar.leaves'].sudo(self.manager).create({
            'name': 'Nghỉ phép',
            'resource_id': member.resource_id.id,
            'calendar_id': member.resource_calendar_id.id,
            'date_from': fields.Datetime.to_string(now - timedelta(days=1)),
            'date_to': fields.Datetime.to_string(now + timedelta(days=2)),
        })
        lead = self.create_leads(1, phone=PHONE)
        self.route(self.north, user=self.manager)
        self.assertEqual(lead.user_id, self.sales[1], "routed as usual")
        self.assertNotOwner(lead, '%s is absent' % self.sales[0].name)

    def test_owner_not_member_of_the_run_teams_is_skipped(self):
        self.create_owned(self.sales[3], self.south, name='South customer', phone=PHONE)
        lead = self.create_leads(1, phone=PHONE)
        self.route(self.north, user=self.manager)
        self.assertIn(lead.user_id, self.sales[0] | self.sales[1])
        self.assertNotOwner(lead, '%s is not an active member of a team of this run'
                            % self.sales[3].name)

    def test_records_and_seats_of_another_company(self):
        other = self.env['res.company'].create({'name': 'Other project'})
        both = self.create_user('routing_both_companies', 'sales_team.group_sale_salesman',
                                company_ids=[(6, 0, [self.company.id, other.id])])
        foreign_team = self.create_team('Other North', members=[(both, 30)],
                                        assignment_owner=True, company_id=other.id)
        # A record of the other company never matches, whoever owns it.
        self.create_owned(self.sales[0], False, name='Other company opportunity', phone=PHONE,
                          company_id=other.id)
        # An owner of this company whose only seat is in a team of the other company.
        self.create_owned(both, False, name='Owned by both', phone='0903 123 456')
        by_foreign_record = self.create_leads(1, prefix='Foreign record', phone=PHONE)
        by_foreign_seat = self.create_leads(1, prefix='Foreign seat', phone='0903 123 456')
        self.route(self.north | foreign_team)
        self.assertNotOwner(by_foreign_record)
        self.assertIn(by_foreign_record.user_id, self.sales[0] | self.sales[1])
        self.assertNotOwner(by_foreign_seat, '%s is not an active member' % both.name)
        self.assertEqual(by_foreign_seat.team_id, self.north)

    # ------------------------------------------------------------------------------------------
    # Team choice and same-run stickiness
    # ------------------------------------------------------------------------------------------

    def test_team_choice(self):
        east = self.create_team('East', domain="[('country_id', '=', %d)]" % self.country_fr.id,
                                members=[(self.sales[0], 30), (self.sales[2], 30)],
                                assignment_owner=True, sequence=30)
        self.north.assignment_domain = "[('country_id', '=', %d)]" % self.country_vn.id
        self.create_owned(self.sales[0], east, name='East opportunity', phone=PHONE)
        self.create_owned(self.sales[0], False, name='No team', phone='0903 123 456')
        in_record_team = self.create_leads(1, prefix='Record team', phone=PHONE,
                                           country_id=self.country_vn.id)
        # A French or American lead's national numbers are French or American: these are not.
        in_fitting_team = self.create_leads(1, prefix='Fitting team', phone='+84 903 123 456',
                                            country_id=self.country_fr.id)
        in_first_team = self.create_leads(1, prefix='First team', phone='+84 903 123 456',
                                          country_id=self.country_us.id)
        self.route(self.north | self.south | east, user=self.manager)
        self.assertOwner(in_record_team, self.sales[0], east)
        self.assertOwner(in_fitting_team, self.sales[0], east)
        self.assertOwner(in_first_team, self.sales[0], self.north, "'No team'")

    def test_same_run_stickiness(self):
        customer = self.create_customer('New pharmacy', is_company=True)
        calls = self.create_leads(3, prefix='Call', phone='0987 654 321')
        forms = self.create_leads(2, prefix='Form', partner_id=customer.id)
        self.route(self.north, user=self.manager)
        self.assertEqual(len(calls.mapped('user_id')), 1, "the first caller's salesperson "
                                                          "takes the others")
        self.assertEqual(len(forms.mapped('user_id')), 1)
        first, others = calls[0], calls[1:]
        self.assertEqual(self.member_row(first).rule, 'balance')
        for lead in others:
            self.assertOwner(lead, first.user_id, self.north,
                             "lead 'Call 0' with the same phone +84987654321 in this run")

    def test_stickiness_stops_at_capacity(self):
        self.member_of(self.north, self.sales[0]).assignment_max = 1
        calls = self.create_leads(2, prefix='Call', phone='0987 654 321')
        self.route(self.north, user=self.manager)
        self.assertEqual(calls[0].user_id, self.sales[0])
        self.assertEqual(calls[1].user_id, self.sales[1])
        self.assertNotOwner(calls[1], '%s has no capacity left (1/1)' % self.sales[0].name)

    # ------------------------------------------------------------------------------------------
    # Every entry point applies the step
    # ------------------------------------------------------------------------------------------

    def test_route_on_create(self):
        self.north.assignment_on_create = True
        self.create_owned(self.sales[1], self.north, name='Nhà thuốc An Khang', phone=PHONE)
        lead = self.Lead.sudo(self.manager).create({
            'name': 'Gọi lại', 'user_id': False, 'mobile': '+84 912 345 678'})
        self.Lead.invalidate_cache()
        self.assertOwner(lead, self.sales[1], self.north, 'Nhà thuốc An Khang')

    def test_preview_shows_the_owner_and_writes_nothing(self):
        self.create_owned(self.sales[1], self.north, name='Owned', phone=PHONE)
        lead = self.create_leads(1, phone=PHONE)
        logs = self.Log.search_count([])
        action = self.north.sudo(self.manager).action_preview_assignment()
        self.Lead.invalidate_cache()
        self.assertFalse(lead.user_id)
        self.assertEqual(self.Log.search_count([]), logs)
        line = self.env['crm.team.routing.preview'].browse(action['res_id']).line_ids.filtered(
            lambda line: line.lead_id == lead.id)
        self.assertEqual((line.kind, line.user_id), ('member', self.sales[1]))
        self.assertIn("Existing owner: open opportunity 'Owned'", line.reason)

    def test_wizard_route_mode(self):
        self.create_owned(self.sales[3], self.south, name='Owned', phone=PHONE)
        lead = self.create_leads(1, phone=PHONE)
        self.env['crm.lead.mass.assign'].sudo(self.manager).with_context(
            active_model='crm.lead', active_ids=lead.ids).create({'mode': 'route'}).action_apply()
        self.Lead.invalidate_cache()
        self.assertOwner(lead, self.sales[3], self.south)

    def test_ordinary_routing_logs_rule_balance(self):
        leads = self.create_leads(2, country_id=self.country_vn.id)
        nowhere = self.create_leads(1, prefix='Nowhere', country_id=self.country_us.id)
        (self.north | self.south).write({
            'assignment_domain': "[('country_id', '=', %d)]" % self.country_vn.id})
        self.Team._cron_assign_leads()
        self.Lead.invalidate_cache()
        for lead in leads:
            self.assertEqual(sorted(lead.assignment_log_ids.mapped('rule')),
                             ['balance', 'balance'])
        self.assertEqual(nowhere.assignment_log_ids.mapped('kind'), ['unassigned'])
        self.assertFalse(nowhere.assignment_log_ids.rule)

    # ------------------------------------------------------------------------------------------
    # The "Same customer" button
    # ------------------------------------------------------------------------------------------

    def test_same_customer_button_as_the_user(self):
        mine = self.create_owned(self.sales[0], self.north, name='Mine', phone=PHONE)
        self.create_owned(self.sales[1], self.north, name='Theirs', mobile='84912345678')
        won = self.create_owned(self.sales[0], self.north, name='Won', phone=PHONE)
        won.action_set_won()
        self.create_owned(self.sales[0], self.north, name='Other number', phone='0903 123 456')
        current = self.create_owned(self.sales[0], self.north, name='Current',
                                    phone='+84 912 345 678')
        as_sales = current.sudo(self.sales[0])
        self.assertEqual(as_sales.same_customer_count, 1, "what they may read, open only")
        action = as_sales.action_view_same_customer()
        self.assertEqual(self.Lead.sudo(self.sales[0]).search(action['domain']), mine)
        self.assertEqual(current.sudo(self.manager).same_customer_count, 2)
        alone = self.create_owned(self.sales[0], self.north, name='Alone')
        self.assertEqual(alone.sudo(self.sales[0]).same_customer_count, 0)


class TestMatchingKeys(RoutingCase):
    """The keys stored on leads and partners, whatever people type."""

    @classmethod
    def setUpClass(cls):
        super(TestMatchingKeys, cls).setUpClass()
        cls.company.country_id = cls.country_vn  # see TestOwner

    def test_vietnamese_phone_formats(self):
        for typed in ('0912 345 678', '+84 912345678', '84912345678', '0912.345.678',
                      '0912-345-678', '(+84) 912 345 678', '0084 912 345 678'):
            lead = self.create_leads(1, prefix=typed, phone=typed)
            self.assertEqual(lead.phone_sanitized, PHONE_E164, typed)
        mobile_first = self.create_leads(1, prefix='Both', phone='0903 123 456', mobile=PHONE)
        self.assertEqual(mobile_first.phone_sanitized, PHONE_E164)
        garbage = self.create_leads(1, prefix='Garbage', phone='call me maybe', mobile='12')
        self.assertFalse(garbage.phone_sanitized)

    def test_region_from_country_company_then_parameter(self):
        self.company.country_id = False
        french = '01 23 45 67 89'
        lead = self.create_leads(1, prefix='FR', phone=french, country_id=self.country_fr.id)
        self.assertEqual(lead.phone_sanitized, '+33123456789')
        lead.country_id = False
        self.assertFalse(lead.phone_sanitized, "a French number is not Vietnamese")
        self.env['ir.config_parameter'].set_param('crm_team_routing.phone_default_region', 'FR')
        lead.phone = french  # recomputed on write
        self.assertEqual(lead.phone_sanitized, '+33123456789')
        self.env['ir.config_parameter'].set_param('crm_team_routing.phone_default_region', 'VN')
        self.company.country_id = self.country_fr
        other = self.create_leads(1, prefix='Company FR', phone=french)
        self.assertEqual(other.phone_sanitized, '+33123456789')
        partner = self.create_customer('Partner', phone=french, country_id=self.country_fr.id)
        self.assertEqual(partner.phone_sanitized, '+33123456789')

    def test_email_case_display_names_and_several_addresses(self):
        lead = self.create_leads(1, email_from='"Lan, Acme" <LAN@Acme.VN>, ban@acme.vn')
        self.assertEqual(lead.email_normalized, 'lan@acme.vn')
        lead.email_from = 'no address here'
        self.assertFalse(lead.email_normalized)

    def test_huge_input_gives_no_key_and_no_error(self):
        lead = self.create_leads(1, email_from='x' * 50000 + '@acme.vn', phone='9' * 50000,
                                 mobile='+' * 5000)
        self.assertFalse(lead.email_normalized)
        self.assertFalse(lead.phone_sanitized)

    def test_fill_of_existing_records(self):
        lead = self.create_leads(1, email_from='Lan <LAN@ACME.VN>', mobile=PHONE)
        partner = self.create_customer('Partner', phone=PHONE)
        self.env.cr.execute("UPDATE crm_lead SET email_normalized = NULL, phone_sanitized = NULL")
        self.env.cr.execute("UPDATE res_partner SET phone_sanitized = NULL")
        self.Lead._routing_fill_keys()
        self.env['res.partner']._routing_fill_keys()
        self.assertEqual((lead.email_normalized, lead.phone_sanitized),
                         ('lan@acme.vn', PHONE_E164))
        self.assertEqual(partner.phone_sanitized, PHONE_E164)
