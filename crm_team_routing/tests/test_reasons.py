# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reasons and digests in the reader's language (DESIGN.md, crm.lead.assignment.log): a row
stores what its reason says, and each reader sees it in their own language; digests and take-back
notes are written in their recipient's language."""
import os
import unittest

from odoo import tools
from odoo.tests import common

from ..routing import reasons
from .common import RoutingCase

VI_PO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'i18n',
                     'vi.po')


@common.at_install(False)
@common.post_install(True)
class TestReasonNodes(unittest.TestCase):
    """``routing.reasons`` without a database."""

    def test_render_nested_nodes_in_english(self):
        node = reasons.join(' ', [
            reasons.text('no_member', team='North', members=reasons.join('; ', [
                reasons.text('member_absent', user='Bình', date='03/12'),
                reasons.text('member_full', user='Cường', count=15, quota=15),
                reasons.text('more', count=2)])),
            reasons.text('owner_skipped', match='a match', cause=reasons.text(
                'owner_paused', user='Dũng'))])
        self.assertEqual(
            reasons.render(reasons.loads(reasons.dumps(node))),
            "Waiting in team North: no member can take it (Bình: on leave until 03/12; Cường: "
            "15/15; 2 more). Existing owner skipped (a match): Dũng is paused.")

    def test_translate_and_describe_filters(self):
        node = reasons.text('member', user='Bình', team='North', load=3, capacity=30,
                            filter=reasons.filter_node("[('country_id.code', '=', 'VN')]"))
        translated = {reasons.TEMPLATES['member']: "%(user)s / %(team)s / %(filter)s / "
                                                   "%(load)s của %(capacity)s"}
        text = reasons.render(node, translate=lambda source: translated.get(source, source),
                              describe_filter=lambda domain: 'Country = VN')
        self.assertEqual(text, "Bình / North / Country = VN / 3 của 30")

    def test_bad_translation_and_unknown_codes_never_fail(self):
        node = reasons.text('no_team', score='12')
        # A translation that lost its placeholder: the English text, not an error.
        self.assertEqual(reasons.render(node, translate=lambda source: '%(nope)s'),
                         "Waiting for a team: no routing team's filter and score band match "
                         "(score 12).")
        self.assertEqual(reasons.render(['gone_since', {'a': 'x'}]), "{'a': 'x'}")
        self.assertEqual(reasons.render(reasons.loads('Old text, not JSON')),
                         'Old text, not JSON')
        self.assertEqual(reasons.render(reasons.loads(None)), '')

    def test_every_template_is_filled_by_its_own_placeholders(self):
        for code, source in reasons.TEMPLATES.items():
            names = {name.split(')')[0] for name in source.split('%(')[1:]}
            values = dict.fromkeys(names, 'x')
            self.assertNotIn('%(', reasons.render(reasons.text(code, **values)), code)


class TestReasonLanguage(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestReasonLanguage, cls).setUpClass()
        # Vietnamese, with this module's translations only (the whole language pack of every
        # installed module is not needed here).
        cls.env['res.lang'].load_lang('vi_VN')
        tools.trans_load(cls.env.cr, VI_PO, 'vi_VN', verbose=False,
                         module_name='crm_team_routing')
        cls.binh = cls.sales[0]
        cls.binh.lang = 'vi_VN'
        cls.team = cls.create_team('Miền Bắc', leader=cls.leader_north,
                                   members=[(cls.binh, 30)])

    def log_as(self, user, lead, **context):
        self.env['crm.lead.assignment.log'].invalidate_cache()
        return self.env['crm.lead.assignment.log'].sudo(user).with_context(**context).search(
            [('lead_id', '=', lead.id)], order='id')

    def test_cron_reason_in_each_readers_language(self):
        lead = self.create_leads(1, prefix='Nhà thuốc')
        self.Team._cron_assign_leads()   # the cron runs in English, as the system
        self.env['crm.lead'].invalidate_cache()
        self.assertEqual(lead.user_id, self.binh)
        member_vi = self.log_as(self.binh, lead).filtered(lambda row: row.kind == 'member')
        self.assertEqual(member_vi.reason,
                         "Giao cho %s trong nhóm Miền Bắc: bộ lọc thành viên Tất cả tiềm năng; "
                         "đã nhận 0/30"
                         % self.binh.name)
        member_en = self.log_as(self.manager, lead).filtered(lambda row: row.kind == 'member')
        self.assertEqual(member_en.reason,
                         "Given to %s in team Miền Bắc: member filter All leads; load 0/30"
                         % self.binh.name)
        # The same row, read with the language of the context (the web client's).
        self.assertEqual(member_en.with_context(lang='vi_VN').reason, member_vi.reason)

    def test_filters_in_words_in_the_readers_language(self):
        self.team.assignment_domain = "[('country_id.code', '=', 'VN')]"
        lead = self.create_leads(1, country_id=self.country_vn.id)
        self.Team._cron_assign_leads()
        team_row = self.log_as(self.manager, lead).filtered(lambda row: row.kind == 'team')
        self.assertIn("filter Country ▸ Country Code = VN;", team_row.reason)

    def test_waiting_reason_in_vietnamese(self):
        self.member_of(self.team, self.binh).assignment_max = 1
        leads = self.create_leads(2)
        self.Team._cron_assign_leads()
        self.env['crm.lead'].invalidate_cache()
        lead = leads.filtered(lambda lead: not lead.user_id)
        # The leader reads in English; the web client asks for Vietnamese.
        waiting = self.log_as(self.leader_north, lead, lang='vi_VN').filtered(
            lambda row: row.kind == 'unassigned')
        self.assertEqual(waiting.reason, "Đang chờ trong nhóm Miền Bắc: không thành viên nào nhận "
                                         "được (%s: 1/1)." % self.binh.name)

    def test_digest_in_the_recipients_language(self):
        self.create_leads(2)
        before = self.env['mail.message'].search([], order='id desc', limit=1).id
        self.Team._cron_assign_leads()
        digest = self.env['mail.message'].search([
            ('id', '>', before), ('model', '=', False),
            ('partner_ids', 'in', self.binh.partner_id.id)])
        self.assertEqual(len(digest), 1)
        self.assertIn('Khách hàng tiềm năng mới của %s (2):' % self.binh.name, digest.body)
        self.assertNotIn('New leads', digest.body)

    def test_a_digest_line_shows_200_characters_of_a_name(self):
        long_name = 'Công ty ' + 'A' * 300
        lead = self.create_leads(1)
        lead.name = long_name
        before = self.env['mail.message'].search([], order='id desc', limit=1).id
        self.Team._cron_assign_leads()
        digest = self.env['mail.message'].search([
            ('id', '>', before), ('model', '=', False),
            ('partner_ids', 'in', self.binh.partner_id.id)])
        self.assertIn(long_name[:199] + '…', digest.body)
        self.assertNotIn(long_name[:200], digest.body)
