# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end tests of the team form's member cards and of a lead shared read-only, in the web
client as the real users (headless Debian chromium driven by Playwright; see test_ui.py for
how browser tests run here). Steps in tests/browser/team_ui.py."""
import logging
import os
import time

from odoo.tests import common

from .test_ui import HERE, RoutingUiCase
from .common import ensure_vietnamese

_logger = logging.getLogger(__name__)

DRIVER = os.path.join(HERE, 'browser', 'team_ui.py')
# vi.po's translation of the lead form's mark "Shared with you, read only".
SHARED_MARK_VI = "Được chia sẻ với bạn, chỉ được xem"


@common.at_install(False)
@common.post_install(True)
class TestTeamUi(RoutingUiCase):

    def test_01_team_form_member_cards(self):
        """A sales manager opens the team: the list shows the filters in words, the Routing
        tab one card per routing member with the 30-day load against the quota, paused and
        absent marked; the core Team Members tab says what it is."""
        members = {member.user_id: member for member in self.team.routing_member_ids}
        self.team.assignment_domain = "[('country_id.code', '=', 'VN')]"
        members[self.sales_lan].write({'assignment_domain': "[('score', '>=', 50)]"})
        members[self.sales_minh].assignment_optout = True
        # Capacity modes (issue #22): Lan has no cap and prefers Tết leads; Minh may hold 4
        # open leads.
        members[self.sales_lan].write({
            'assignment_unlimited': True,
            'assignment_domain_preferred': "[('campaign_id.name', '=', 'Tết')]"})
        members[self.sales_minh].assignment_max_open = 4
        absent_user = self.create_user('ui_sales_an', 'An Le', 'sales_team.group_sale_salesman')
        absent = self.env['crm.team.member'].create({
            'team_id': self.team.id, 'user_id': absent_user.id, 'assignment_max': 5})
        self.env['resource.calendar.leaves'].create({
            'name': 'Leave', 'resource_id': absent.resource_id.id,
            'calendar_id': absent.resource_calendar_id.id,
            'date_from': '2000-01-01 00:00:00', 'date_to': '2099-01-01 00:00:00'})
        # Three leads given to Lan by hand: 3 of her 10.
        self.vn_leads[:3].write({'team_id': self.team.id, 'user_id': self.sales_lan.id})

        result = self.run_browser('team_cards', 'ui_manager', {
            'team': self.team.name,
            'core_members_tab': 'Team Members',
        }, driver=DRIVER)
        _logger.info("team cards read: %s", result)

        self.assertEqual(result['list_filters'].get(self.team.name), "Country ▸ Country Code = VN")
        self.assertFalse(result['list_raw_filter_column'],
                         "the raw filter is a developer-mode column")
        cards = {card['name']: card for card in result['cards']}
        self.assertEqual(sorted(cards), sorted(['An Le', 'Lan Nguyen', 'Minh Tran']))
        lan = cards['Lan Nguyen']
        self.assertTrue(lan['count'].startswith('3 / 10'), lan)
        self.assertEqual(lan['bar'], '30%')
        self.assertEqual(lan['filter'], "Score ≥ 50")
        self.assertIsNone(lan['paused'])
        self.assertIsNone(lan['absent'])
        self.assertEqual(lan['unlimited'], 'no cap')
        self.assertIn('progress-bar-info', lan['bar_class'], "no cap: no danger colour")
        # A filter on a name says the language its names are compared in.
        self.assertEqual(lan['preferred'], "Preferred: Campaign ▸ Campaign Name = Tết "
                                           "(names as written in English)")
        self.assertIsNone(lan['open'], "no open-lead cap: no line")
        minh = cards['Minh Tran']
        self.assertIsNone(minh['unlimited'])
        self.assertEqual(minh['open'], '0 / 4 open leads')
        self.assertEqual(minh['paused'], 'Paused')
        self.assertTrue(minh['count'].startswith('0 / 10'), minh)
        self.assertEqual(minh['bar'], '0%')
        self.assertIsNone(minh['filter'], "no card line for a member taking the whole team")
        an = cards['An Le']
        self.assertTrue(an['absent'] and an['absent'].startswith('On leave until'), an)
        self.assertIn('30 days', result['help'])
        self.assertIn('default sales channel', result['core_members_help'])

    def test_02_shared_lead_read_only_in_vietnamese(self):
        """A salesperson working in Vietnamese opens a lead shared read-only with her: marked
        "shared with you, read only" in Vietnamese, no Edit, no header button, no Send message
        or Log note, stages not clickable, and Edit's shortcut does nothing; her own lead still
        offers all of it."""
        start = time.time()
        ensure_vietnamese(self.env)
        _logger.info("vi_VN loaded in %.1fs", time.time() - start)
        self.sales_lan.lang = 'vi_VN'
        shared, own = self.fr_leads[0], self.vn_leads[0]
        shared.write({'team_id': self.team.id, 'user_id': self.sales_minh.id,
                      'shared_user_ids': [(4, self.sales_lan.id)]})
        own.write({'team_id': self.team.id, 'user_id': self.sales_lan.id})
        po = os.path.join(os.path.dirname(HERE), 'i18n', 'vi.po')
        with open(po, encoding='utf-8') as handle:
            self.assertIn('msgstr "%s"' % SHARED_MARK_VI, handle.read())

        result = self.run_browser('shared_lead', 'ui_sales_lan', {
            'shared': shared.name,
            'own': own.name,
            'screenshot': 'shared_lead_readonly_vi',
        }, driver=DRIVER)
        _logger.info("shared lead read: %s", result)

        self.assertTrue(result['lang'].startswith('vi'), result)
        seen = result['shared']
        self.assertEqual(seen['title'], shared.name)
        self.assertEqual(seen['mark'], SHARED_MARK_VI)
        self.assertFalse(seen['edit'], seen)
        self.assertEqual(seen['header_buttons'], [], seen)
        self.assertFalse(seen['send_message'], seen)
        self.assertFalse(seen['log_note'], seen)
        self.assertEqual(seen['stages_enabled'], 0, seen)
        self.assertTrue(result['after_shortcut_readonly'])
        mine = result['own']
        self.assertEqual(mine['title'], own.name)
        self.assertIsNone(mine['mark'])
        self.assertTrue(mine['edit'], mine)
        self.assertTrue(mine['send_message'] and mine['log_note'], mine)
        self.assertTrue(mine['header_buttons'], mine)
        # Nothing was written: the lead is still Minh's, shared with her.
        self.assertEqual(shared.user_id, self.sales_minh)
        self.assertEqual(shared.shared_user_ids, self.sales_lan)
