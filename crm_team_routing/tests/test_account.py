# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing account (DESIGN.md revision 3): a new contact of a known company goes to the
salesperson who has that company, recognised by its tax ID (level 1), its name however typed
(level 5) or its corporate email domain (level 6). Routing runs as a sales manager."""
from datetime import timedelta

from odoo import fields

from .common import RoutingCase

VAT = '0101234567'


class TestAccount(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestAccount, cls).setUpClass()
        cls.company.country_id = cls.country_vn
        cls.create_north_south(south_sales=cls.sales[2:4])
        (cls.north | cls.south).write({'assignment_owner': True})
        cls.south.sequence = 20
        cls.Partner = cls.env['res.partner']

    def route_all(self, leads=None):
        return self.route(self.north | self.south, leads=leads, user=self.manager)

    def member_row(self, lead):
        return lead.assignment_log_ids.filtered(lambda row: row.kind == 'member')

    def assertOwner(self, lead, user, *texts):
        """``lead`` went to ``user`` through the owner step, its reason saying ``texts``."""
        self.assertEqual(lead.user_id, user, lead.name)
        row = self.member_row(lead)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.rule, 'owner', lead.name)
        for text in texts:
            self.assertIn(text, row.reason)

    def assertNotOwner(self, lead, *texts):
        """``lead`` was routed as usual; its last reason says ``texts`` (or nothing of an
        owner)."""
        rows = lead.assignment_log_ids
        self.assertTrue(rows, lead.name)
        self.assertNotIn('owner', rows.mapped('rule'), lead.name)
        last = rows.sorted('id')[-1]
        for text in texts:
            self.assertIn(text, last.reason)
        if not texts:
            self.assertNotIn('Existing owner', ' '.join(rows.mapped('reason')))

    # ------------------------------------------------------------------------------------------
    # The keys, kept current
    # ------------------------------------------------------------------------------------------

    def test_keys_on_create_and_write(self):
        lead = self.create_leads(1, partner_name='CÔNG TY TNHH ABC', vat='VN 0101.234.567',
                                 email_from='Lan <LAN@ACME.VN>')[0]
        self.assertEqual((lead.vat_key, lead.company_name_key, lead.email_domain),
                         (VAT, 'abc', 'acme.vn'))
        lead.write({'vat': '0101234567-001', 'partner_name': 'Cty ABCD',
                    'email_from': 'lan@gmail.com'})
        self.assertEqual((lead.vat_key, lead.company_name_key, lead.email_domain),
                         ('0101234567001', 'abcd', 'gmail.com'),
                         "a free-mail domain is stored: it is left out when matching")
        lead.write({'vat': False, 'partner_name': False, 'email_from': False})
        self.assertEqual((lead.vat_key, lead.company_name_key, lead.email_domain),
                         (False, False, False))
        company = self.create_customer('Công ty Cổ phần Đại Phát', is_company=True,
                                       vat='VN0101234567', email='info@daiphat.vn')
        person = self.create_customer('Anh Bình', email='binh@daiphat.vn')
        self.assertEqual((company.vat_key, company.company_name_key, company.email_domain),
                         (VAT, 'daiphat', 'daiphat.vn'))
        self.assertFalse(person.company_name_key, "a person's name is no company name")
        company.name = 'Cty TNHH Đại Phát Mới'
        self.assertEqual(company.company_name_key, 'daiphatmoi')
        person.is_company = True
        self.assertEqual(person.company_name_key, 'anhbinh')

    def test_fill_of_existing_records(self):
        lead = self.create_leads(1, partner_name='Cty ABC', vat='0101 234 567',
                                 email_from='lan@acme.vn')[0]
        partner = self.create_customer('Công ty TNHH ABC', is_company=True, vat='VN0101234567',
                                       email='Info <INFO@ACME.VN>')
        self.env.cr.execute("UPDATE crm_lead SET vat_key = NULL, company_name_key = NULL, "
                            "email_domain = NULL")
        self.env.cr.execute("UPDATE res_partner SET vat_key = NULL, company_name_key = NULL, "
                            "email_domain = NULL")
        self.Lead._routing_fill_account_keys()
        self.Partner._routing_fill_account_keys()
        self.assertEqual((lead.vat_key, lead.company_name_key, lead.email_domain),
                         (VAT, 'abc', 'acme.vn'))
        self.assertEqual((partner.vat_key, partner.company_name_key, partner.email_domain),
                         (VAT, 'abc', 'acme.vn'))

    # ------------------------------------------------------------------------------------------
    # Tax ID (level 1)
    # ------------------------------------------------------------------------------------------

    def test_tax_id_however_typed(self):
        self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True, vat=VAT)
        typed = ['0101 234 567', '0101.234.567', 'VN0101234567', '0101234567-001']
        leads = [self.create_leads(1, prefix=vat, vat=vat)[0] for vat in typed]
        self.route_all()
        for lead in leads:
            self.assertOwner(lead, self.sales[3],
                             "same tax ID 0101234567 as customer Công ty TNHH ABC, whose "
                             "salesperson is %s" % self.sales[3].name)

    def test_a_branch_with_its_own_record_is_its_own_customer(self):
        self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True, vat=VAT)
        self.create_customer('Chi nhánh ABC Hà Nội', user=self.sales[1], is_company=True,
                             vat='0101234567-001')
        self.create_customer('Chi nhánh ABC Huế', is_company=True, vat='0101234567-002')
        hanoi = self.create_leads(1, prefix='Hà Nội', vat='VN 0101234567 001')
        hue = self.create_leads(1, prefix='Huế', vat='0101234567-002')
        head_office = self.create_leads(1, prefix='Head office', vat=VAT)
        self.route_all()
        self.assertOwner(hanoi, self.sales[1], "same tax ID 0101234567-001 as customer Chi "
                                               "nhánh ABC Hà Nội")
        # The branch is known, without salesperson: not its head office's customer.
        self.assertNotOwner(hue)
        self.assertOwner(head_office, self.sales[3], "same tax ID 0101234567 as customer "
                                                     "Công ty TNHH ABC")

    def test_the_commercial_entity_before_its_contacts(self):
        company = self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True,
                                       vat=VAT)
        # Odoo gives a contact its company's tax ID; the contact's salesperson is another.
        contact = self.create_customer('Chị Lan', user=self.sales[0], parent_id=company.id)
        self.assertEqual(contact.vat_key, VAT)
        lead = self.create_leads(1, vat=VAT)
        self.route_all()
        self.assertOwner(lead, self.sales[3], 'Công ty TNHH ABC')

    # ------------------------------------------------------------------------------------------
    # Company name (level 5)
    # ------------------------------------------------------------------------------------------

    def test_company_name_variants(self):
        self.create_customer('CÔNG TY TNHH ABC', user=self.sales[3], is_company=True)
        variants = ['Cty ABC', 'Công ty Cổ phần ABC', 'ABC Co., Ltd.', 'công ty tnhh mtv abc']
        leads = [self.create_leads(1, prefix=name, partner_name=name)[0] for name in variants]
        abcd = self.create_leads(1, prefix='ABCD', partner_name='Công ty TNHH ABCD')
        self.route_all()
        for lead in leads:
            self.assertOwner(lead, self.sales[3], "same company name as customer CÔNG TY TNHH "
                                                  "ABC, whose salesperson is %s"
                             % self.sales[3].name)
        self.assertNotOwner(abcd)

    def test_company_name_of_an_open_opportunity(self):
        self.create_owned(self.sales[2], self.south, name='Đơn hàng quý 4',
                          partner_name='Công ty TNHH Dược phẩm Đại Phát')
        lead = self.create_leads(1, partner_name='CTY DUOC PHAM DAI PHAT')
        self.route_all()
        self.assertOwner(lead, self.sales[2], "open opportunity 'Đơn hàng quý 4' owned by %s, "
                                              "same company name as Công ty TNHH Dược phẩm Đại "
                                              "Phát" % self.sales[2].name)

    # ------------------------------------------------------------------------------------------
    # Email domain (level 6)
    # ------------------------------------------------------------------------------------------

    def test_corporate_email_domain(self):
        self.create_owned(self.sales[2], self.south, name='Acme', email_from='lan@acme.vn')
        lead = self.create_leads(1, email_from='"Bình" <BINH@Acme.VN>')
        self.route_all()
        self.assertOwner(lead, self.sales[2], "open opportunity 'Acme' owned by %s, same email "
                                              "domain acme.vn" % self.sales[2].name)

    def test_gmail_never_matches_and_the_list_is_read_when_matching(self):
        self.create_owned(self.sales[2], self.south, name='Gmail', email_from='lan@gmail.com')
        self.create_customer('Gmail customer', user=self.sales[3], email='an@gmail.com')
        lead = self.create_leads(1, prefix='Gmail', email_from='binh@gmail.com')
        self.route_all()
        self.assertNotOwner(lead)
        # gmail.com off the list: it matches at once, nothing recomputed.
        self.env['ir.config_parameter'].set_param('crm_team_routing.free_email_domains',
                                                  'yahoo.com, hotmail.com')
        again = self.create_leads(1, prefix='Gmail again', email_from='cuong@gmail.com')
        self.route_all(leads=again)
        self.assertOwner(again, self.sales[2], "same email domain gmail.com")

    def test_a_domain_shared_by_21_records_with_2_owners_is_ignored(self):
        for index in range(10):
            self.create_owned(self.sales[0], self.north, name='Group A%d' % index,
                              lead_type='lead', email_from='a%d@tapdoan.vn' % index)
            self.create_owned(self.sales[1], self.north, name='Group B%d' % index,
                              lead_type='lead', email_from='b%d@tapdoan.vn' % index)
        # 20 records besides the candidate: the most recent one wins.
        first = self.create_leads(1, prefix='First', email_from='first@tapdoan.vn')
        self.route_all()
        self.assertOwner(first, self.sales[1], "open lead 'Group B9'", 'same email domain '
                                                                       'tapdoan.vn')
        # 21 records with two owners: a group's domain says nothing of who the customer is.
        second = self.create_leads(1, prefix='Second', email_from='second@tapdoan.vn')
        self.route_all(leads=second)
        self.assertTrue(second.user_id)
        self.assertNotOwner(second)

    def test_a_company_name_with_one_owner_is_never_stoplisted(self):
        self.member_of(self.north, self.sales[0]).assignment_max = 100
        for index in range(25):
            self.create_owned(self.sales[0], self.north, name='Order %d' % index,
                              partner_name='Công ty TNHH ABC')
        lead = self.create_leads(1, partner_name='Cty ABC')
        self.route_all()
        self.assertOwner(lead, self.sales[0], "'Order 24'")

    # ------------------------------------------------------------------------------------------
    # Levels, companies, owners who cannot take it
    # ------------------------------------------------------------------------------------------

    def test_levels_in_order(self):
        self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True, vat=VAT,
                             email='info@abc.vn')
        self.create_owned(self.sales[0], self.north, name='Phone opportunity',
                          phone='0912 345 678')
        self.create_customer('Phone customer', user=self.sales[1], phone='0903 123 456')
        self.create_owned(self.sales[2], self.south, name='Name opportunity',
                          partner_name='Công ty TNHH Minh Phát')
        self.create_owned(self.sales[0], self.north, name='Domain opportunity',
                          email_from='lan@minhphat.vn')
        customer = self.create_customer('Nhà thuốc An Khang', user=self.sales[1],
                                        is_company=True)
        # Level 1: the lead's own customer, then the tax ID, before everything else.
        own = self.create_leads(1, prefix='Own customer', partner_id=customer.id, vat=VAT)
        by_vat = self.create_leads(1, prefix='Tax ID', vat=VAT, phone='0912 345 678',
                                   partner_name='Minh Phát')
        # Level 2 (an opportunity with the phone) before 5 (company name) and 6 (domain).
        by_phone = self.create_leads(1, prefix='Phone', phone='0912 345 678',
                                     partner_name='Minh Phát', email_from='x@minhphat.vn')
        # Level 4 (a customer with the phone) before 5.
        by_customer = self.create_leads(1, prefix='Customer phone', phone='0903 123 456',
                                        partner_name='Minh Phát')
        # Level 5 (company name) before 6 (domain).
        by_name = self.create_leads(1, prefix='Name', partner_name='Minh Phát',
                                    email_from='y@minhphat.vn')
        by_domain = self.create_leads(1, prefix='Domain', email_from='z@minhphat.vn')
        self.route_all()
        self.assertOwner(own, self.sales[1], 'customer Nhà thuốc An Khang')
        self.assertOwner(by_vat, self.sales[3], 'same tax ID 0101234567')
        self.assertOwner(by_phone, self.sales[0], "'Phone opportunity'")
        self.assertOwner(by_customer, self.sales[1], 'customer Phone customer')
        self.assertOwner(by_name, self.sales[2], "'Name opportunity'", 'same company name')
        self.assertOwner(by_domain, self.sales[0], "'Domain opportunity'", 'same email domain')

    def test_only_records_of_the_leads_company(self):
        other = self.env['res.company'].create({'name': 'Other project'})
        self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True, vat=VAT,
                             email='info@abc.vn', company_id=other.id)
        self.create_owned(self.sales[2], False, name='Other company', company_id=other.id,
                          partner_name='Công ty TNHH ABC', email_from='lan@abc.vn')
        lead = self.create_leads(1, vat=VAT, partner_name='Cty ABC', email_from='an@abc.vn')
        self.route_all()
        self.assertNotOwner(lead)
        # The same records in the lead's company match.
        self.create_customer('Công ty TNHH ABC', user=self.sales[3], is_company=True, vat=VAT)
        again = self.create_leads(1, prefix='Again', vat=VAT)
        self.route_all(leads=again)
        self.assertOwner(again, self.sales[3], 'same tax ID')

    def test_archived_owner_is_skipped_with_a_reason(self):
        leaver = self.create_user('routing_account_leaver', 'sales_team.group_sale_salesman')
        self.create_customer('Công ty TNHH ABC', user=leaver, is_company=True, vat=VAT)
        self.create_customer('Công ty TNHH Minh Phát', user=self.sales[3], is_company=True)
        self.member_of(self.south, self.sales[3]).user_id.active = False
        leaver.active = False
        no_seat = self.create_leads(1, prefix='No seat', vat=VAT)
        with_seat = self.create_leads(1, prefix='With seat', partner_name='Cty Minh Phát')
        self.route_all()
        self.assertIn(no_seat.user_id, self.sales[0] | self.sales[1] | self.sales[2])
        self.assertNotOwner(no_seat, '%s is an archived user' % leaver.name)
        self.assertNotOwner(with_seat, '%s is an archived user' % self.sales[3].name)

    def test_absent_owner_is_skipped_with_a_reason(self):
        self.create_customer('Công ty TNHH ABC', user=self.sales[0], is_company=True)
        member = self.member_of(self.north, self.sales[0])
        now = fields.Datetime.from_string(fields.Datetime.now())
        self.env['resource.calendar.leaves'].sudo(self.manager).create({
            'name': 'Nghỉ phép',
            'resource_id': member.resource_id.id,
            'calendar_id': member.resource_calendar_id.id,
            'date_from': fields.Datetime.to_string(now - timedelta(days=1)),
            'date_to': fields.Datetime.to_string(now + timedelta(days=2)),
        })
        lead = self.create_leads(1, partner_name='Cty ABC')
        self.route(self.north, user=self.manager)
        self.assertEqual(lead.user_id, self.sales[1], "routed as usual")
        self.assertNotOwner(lead, "Existing owner skipped (same company name as customer "
                                  "Công ty TNHH ABC", '%s is absent' % self.sales[0].name)

    def test_same_run_stickiness_by_company_name(self):
        leads = self.create_leads(3, partner_name='Công ty TNHH Hoàng Long')
        leads[1].partner_name = 'Cty Hoàng Long'
        self.route(self.north, user=self.manager)
        self.assertEqual(len(leads.mapped('user_id')), 1)
        self.assertOwner(leads[2], leads[0].user_id,
                         "with the same company name Công ty TNHH Hoàng Long in this run")

    # ------------------------------------------------------------------------------------------
    # The "Same customer" button, a lead's tax ID and its customer
    # ------------------------------------------------------------------------------------------

    def test_same_customer_button_shows_the_same_account(self):
        by_vat = self.create_owned(self.sales[0], self.north, name='By tax ID',
                                   vat='VN0101234567')
        by_name = self.create_owned(self.sales[0], self.north, name='By name',
                                    partner_name='Cty ABC')
        by_domain = self.create_owned(self.sales[0], self.north, name='By domain',
                                      email_from='an@abc.vn')
        self.create_owned(self.sales[0], self.north, name='Gmail', email_from='an@gmail.com')
        self.create_owned(self.sales[1], self.north, name='Not mine', partner_name='ABC JSC')
        current = self.create_owned(self.sales[0], self.north, name='Current', vat=VAT,
                                    partner_name='Công ty TNHH ABC', email_from='lan@abc.vn')
        as_sales = current.sudo(self.sales[0])
        self.assertEqual(as_sales.same_customer_count, 3)
        found = self.Lead.sudo(self.sales[0]).search(
            as_sales.action_view_same_customer()['domain'])
        self.assertEqual(found, by_vat | by_name | by_domain)
        self.assertEqual(current.sudo(self.manager).same_customer_count, 4)
        gmail = self.create_owned(self.sales[0], self.north, name='Gmail 2',
                                  email_from='binh@gmail.com')
        self.assertEqual(gmail.sudo(self.sales[0]).same_customer_count, 0,
                         "a free-mail domain is no account")

    def test_tax_id_from_the_customer_and_to_the_new_company(self):
        company = self.create_customer('Công ty TNHH ABC', is_company=True, vat=VAT)
        contact = self.create_customer('Chị Lan', parent_id=company.id)
        values = self.Lead._onchange_partner_id_values(contact.id)
        self.assertEqual(values['vat'], VAT)
        lead = self.create_owned(self.sales[0], self.north, name='Convert',
                                 partner_name='Công ty TNHH Minh Phát', contact_name='Anh Bình',
                                 vat='0309876543')
        partner = lead._create_lead_partner()
        self.assertEqual(partner.parent_id.vat, '0309876543')
        self.assertEqual(partner.parent_id.vat_key, '0309876543')
