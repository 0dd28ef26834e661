# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing account in plain Python (DESIGN.md revision 3): the tax ID, company name and
email domain keys (``routing.keys``) and their levels in the owner step (``routing.owner``).
No database, milliseconds."""
import unittest

from odoo.tests import common

from ..routing import engine, keys, owner


@common.at_install(False)
@common.post_install(True)
class TestAccountKeys(unittest.TestCase):

    def test_legal_forms_and_accents(self):
        for typed in ('CÔNG TY TNHH ABC', 'Cty ABC', 'Công ty TNHH ABC', 'cty. abc', 'C.ty ABC',
                      'Công ty Cổ phần ABC', 'CTY CP ABC', 'Công ty TNHH MTV ABC',
                      'Công ty trách nhiệm hữu hạn một thành viên ABC', 'ABC Co., Ltd.',
                      'ABC Company Limited', 'ABC JSC', 'ABC Joint Stock Company', 'ABC LLC',
                      'ABC, Inc.', 'ABC Corp.', 'ABC Corporation', '  abc  ', 'A.B.C'):
            self.assertEqual(keys.company_name_key(typed), 'abc', typed)
        self.assertEqual(keys.company_name_key('Công ty TNHH Dược phẩm Đại Phát'),
                         'duocphamdaiphat')
        self.assertEqual(keys.company_name_key('CÔNG TY CỔ PHẦN DƯỢC PHẨM ĐẠI PHÁT'),
                         'duocphamdaiphat')

    def test_a_longer_name_is_another_company(self):
        self.assertEqual(keys.company_name_key('Công ty TNHH ABCD'), 'abcd')
        self.assertNotEqual(keys.company_name_key('Công ty TNHH ABC'),
                            keys.company_name_key('Công ty TNHH ABCD'))
        self.assertNotEqual(keys.company_name_key('ABC Pharma'), keys.company_name_key('ABC'))

    def test_nothing_but_a_legal_form_gives_no_key(self):
        for typed in ('Công ty TNHH', 'Cty', 'Co., Ltd', 'Cty A', '', None, False, '...',
                      'x' * 5000):
            self.assertEqual(keys.company_name_key(typed), '', typed)

    def test_tax_id_digits(self):
        for typed in ('0101234567', '0101 234 567', '0101.234.567', 'VN0101234567',
                      'VN 0101234567', 'vn-0101234567', 'MST: 0101234567'):
            self.assertEqual(keys.vat_key(typed), '0101234567', typed)
        branch = keys.vat_key('0101234567-001')
        self.assertEqual(branch, '0101234567001')
        self.assertEqual(keys.vat_key('VN 0101.234.567 - 001'), branch)
        self.assertEqual(keys.vat_head_office(branch), '0101234567')
        self.assertEqual(keys.vat_head_office('0101234567'), '')
        self.assertEqual(keys.vat_label(branch), '0101234567-001')
        self.assertEqual(keys.vat_label('0101234567'), '0101234567')
        self.assertEqual(keys.vat_key('FR 12 345678901'), '12345678901')

    def test_what_cannot_be_a_tax_id_gives_no_key(self):
        for typed in ('', None, False, 'N/A', '123', '0000000000', '1' * 21, '9' * 5000):
            self.assertEqual(keys.vat_key(typed), '', typed)

    def test_email_domain_and_free_mail(self):
        self.assertEqual(keys.email_domain('lan@acme.vn'), 'acme.vn')
        self.assertEqual(keys.email_domain(''), '')
        free = keys.free_email_domains()
        self.assertIn('gmail.com', free)
        self.assertIn('yahoo.com.vn', free)
        self.assertEqual(keys.corporate_domain('gmail.com', free), '')
        self.assertEqual(keys.corporate_domain('acme.vn', free), 'acme.vn')
        self.assertEqual(keys.free_email_domains(' Gmail.com , @Acme.VN,, '),
                         frozenset({'gmail.com', 'acme.vn'}))
        self.assertEqual(keys.free_email_domains(''), free, "no text: the default list")


def match(level, user_id, record_id, rank=0, key_kind='email_domain', key='acme.vn',
          record='opportunity', date=''):
    return owner.Match(level, rank, record, record_id, 'Record %d' % record_id, user_id, None,
                       date, key_kind, key, key)


@common.at_install(False)
@common.post_install(True)
class TestAccountLevels(unittest.TestCase):

    def test_levels_in_order(self):
        by_partner = match(1, 100, 1, key_kind=None, key=None, record='partner')
        by_vat = match(1, 101, 2, rank=1, key_kind='vat', key='0101234567', record='partner')
        by_phone = match(4, 102, 3, key_kind='phone', key='+84912345678', record='customer')
        by_name = match(5, 103, 4, key_kind='company_name', key='abc',
                        date='2026-11-28 00:00:00')
        by_domain = match(6, 104, 5, date='2026-11-29 00:00:00')
        ordered = [by_partner, by_vat, by_phone, by_name, by_domain]
        for index, expected in enumerate(ordered):
            self.assertEqual(owner.first_match(list(reversed(ordered[index:])), 1, set()),
                             expected)

    def test_within_levels_5_and_6_opportunity_lead_customer(self):
        for kind in ('company_name', 'email_domain'):
            levels = owner.KEY_LEVELS[kind]
            self.assertLess(levels['opportunity'], levels['lead'])
            self.assertLess(levels['lead'], levels['customer'])
            self.assertGreater(levels['opportunity'], owner.KEY_LEVELS['email']['customer'])
        self.assertLess(owner.KEY_LEVELS['company_name']['customer'],
                        owner.KEY_LEVELS['email_domain']['opportunity'])

    def test_stoplist_applies_to_names_and_domains_not_tax_ids(self):
        by_name = match(5, 101, 1, key_kind='company_name', key='abc')
        by_domain = match(6, 102, 2)
        by_vat = match(1, 103, 3, rank=1, key_kind='vat', key='0101234567', record='partner')
        stoplist = {(1, 'company_name', 'abc'), (1, 'email_domain', 'acme.vn'),
                    (1, 'vat', '0101234567')}
        self.assertIsNone(owner.first_match([by_name, by_domain], 1, stoplist))
        self.assertEqual(owner.first_match([by_name, by_domain], 2, stoplist), by_name,
                         "the stoplist is per company")
        self.assertEqual(owner.first_match([by_vat, by_name], 1, stoplist), by_vat)

    def test_archived_owner_without_membership_is_skipped_as_archived(self):
        # The router gives an archived owner with no membership one blocked seat of no team.
        seat = owner.Seat(None, None, 0, None, 'archived')
        self.assertEqual(owner.choose_seat([seat], 1, 10, None, {}),
                         (None, ('archived', 0, 0)))

    def test_same_run_followers_through_a_company_name(self):
        rows = [(1, None, 10.0, '2026-11-28 10:00:00'), (2, None, 5.0, '2026-11-28 10:00:00')]
        keys_of = {1: [('company_name', 'abc', 'Cty ABC')],
                   2: [('company_name', 'abc', 'Công ty TNHH ABC')]}
        followers = owner.follow_groups(engine.best_first(rows), keys_of, {1: 1, 2: 1}, set())
        self.assertEqual(followers, {2: (1, 'company_name', 'Công ty TNHH ABC')})

    def test_a_key_of_more_than_21_candidates_glues_nobody(self):
        rows = [(lead_id, None, 0.0, '2026-11-28 10:00:00') for lead_id in range(1, 23)]
        keys_of = {row[0]: [('email_domain', 'vendor.vn', 'vendor.vn')] for row in rows}
        keys_of[1].append(('vat', '0101234567', '0101234567'))
        keys_of[2].append(('vat', '0101234567', '0101234567'))
        company_of = dict.fromkeys(keys_of, 1)
        self.assertEqual(owner.crowded_keys(keys_of, company_of),
                         {(1, 'email_domain', 'vendor.vn')})
        self.assertEqual(owner.crowded_keys({1: keys_of[1], 2: keys_of[2]}, company_of), set())
        team = engine.TeamState(1, 1, 60, 0, set(keys_of), set(keys_of))
        members = [engine.MemberState(11, 1, 100, 30, 0, None),
                   engine.MemberState(12, 1, 101, 30, 0, None)]
        seats = {member.user_id: [owner.Seat(1, 1, 1, member)] for member in members}
        outcome = owner.route(rows, set(keys_of), [team], members, '2026-11-29 09:00:00',
                              company_of, {}, keys_of, set(), seats)
        self.assertEqual(set(outcome.placed), {2}, "only the same tax ID glues")
        self.assertEqual(sum(member.count for member in members), 22)
        self.assertEqual(min(member.count for member in members), 10, "shared, not glued")
