# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end tests of issue 27's second pass in the web client, as the real users (headless
Debian chromium driven by Playwright; see test_ui.py for how browser tests run here). Steps in
tests/browser/filters_inbox_ui.py; the new preview button over XML-RPC too."""
import json
import logging
import os
import time
from xmlrpc.client import Fault

from lxml import etree

from odoo.addons.bus.models.bus import json_dump
from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from .test_ui import HERE, RoutingUiCase
from .common import ensure_vietnamese

_logger = logging.getLogger(__name__)

DRIVER = os.path.join(HERE, 'browser', 'filters_inbox_ui.py')
ACCESS_ERROR = 4


@common.at_install(False)
@common.post_install(True)
class TestSecondPassUi(RoutingUiCase):

    def load_vietnamese(self):
        start = time.time()
        ensure_vietnamese(self.env)
        _logger.info("vi_VN loaded in %.1fs", time.time() - start)

    def test_01_filter_built_in_vietnamese_routes_what_it_shows(self):
        """A manager working in Vietnamese builds "Quốc gia = Việt Nam" in the domain editor:
        it counts the Vietnamese leads, the preview gives the team's 4, and the scheduled
        action (no language) routes them."""
        self.load_vietnamese()
        self.manager.lang = 'vi_VN'
        vietnam = self.env.ref('base.vn').with_context(lang='vi_VN').name
        self.assertEqual(vietnam, "Việt Nam")
        result = self.run_browser('vietnamese_filter', 'ui_manager', {
            'team': self.team.name,
            'country': vietnam,
            'preview_label': self._label_in('action_preview_assignment', 'vi_VN'),
        }, driver=DRIVER)
        _logger.info("Vietnamese filter read: %s", result)

        self.assertTrue(result['lang'].startswith('vi'), result)
        # The editor counts every lead of the domain the manager may read (the demo database
        # has Vietnamese leads of its own): the 4 of the story among them.
        shown = self.env['crm.lead'].sudo(self.manager).with_context(lang='vi_VN').search(
            [('country_id', '=', vietnam)])
        self.assertTrue(self.vn_leads <= shown)
        self.assertFalse(self.fr_leads & shown)
        self.assertEqual(result['editor_count'].split()[0], '%d' % len(shown), result)
        # What the domain editor wrote: the name as typed, in Vietnamese.
        self.assertEqual([list(leaf) for leaf in safe_eval(self.team.assignment_domain)],
                         [['country_id', '=', 'Việt Nam']])
        self.assertEqual(self.team.filter_lang, 'vi_VN')
        self.assertEqual(set(result['preview_lines']), set(self.vn_leads.mapped('name')))
        self.assertEqual(result['preview_totals'][0][1], 4, "4 leads enter the team")
        self.assertFalse(result['preview_empty'])
        # The scheduled action: the system, no language.
        self.env['crm.team'].sudo()._cron_assign_leads()
        self.env.cache.invalidate()
        self.assertEqual(set(self.vn_leads.mapped('team_id').ids), {self.team.id})
        self.assertTrue(all(self.vn_leads.mapped('user_id')), "the 4 leads were routed")
        self.assertFalse(self.fr_leads.mapped('user_id'))

    def _label_in(self, method, lang):
        """The label of the team form's button ``method`` in ``lang`` (the browser finds
        header buttons by label in 11.0)."""
        arch = etree.fromstring(self.env['crm.team'].sudo(self.manager).with_context(
            lang=lang).fields_view_get(view_type='form')['arch'])
        return arch.xpath("//button[@name='%s']" % method)[0].get('string')

    def test_02_nothing_matched_log_and_empty_preview(self):
        """A run where nothing matched: the Assignment Log menu shows the waiting decisions, and
        the team's preview says why nothing would be routed and offers the waiting leads."""
        self.team.assignment_domain = "[('country_id.code', '=', 'JP')]"
        self.env['crm.team'].sudo()._cron_assign_leads()
        self.env.cache.invalidate()
        self.assertFalse((self.vn_leads | self.fr_leads).mapped('user_id'))
        result = self.run_browser('after_nothing_matched', 'ui_manager', {
            'team': self.team.name,
            'preview_label': self._label_in('action_preview_assignment', 'en_US'),
        }, driver=DRIVER)
        _logger.info("after nothing matched: %s", result)
        names = set((self.vn_leads | self.fr_leads).mapped('name'))
        self.assertTrue(names <= set(result['log_leads']),
                        "the waiting decisions are in the default list: %s" % result)
        self.assertIn('Waiting', set(result['log_kinds']))
        self.assertTrue(result['empty_visible'], result)
        self.assertIn('6 leads wait for a salesperson', result['empty_text'])
        self.assertNotIn('0 decisions', result['empty_text'])
        self.assertIn('See the waiting leads', result['footer'])
        self.assertTrue(names <= set(result['waiting_list']), result)

    def test_03_email_preference_finds_the_digest_in_the_inbox(self):
        """Lan chose to be notified by e-mail (Odoo 11's default) and there is no mail server:
        after routing gives her leads, she sees a notification when she logs in and the digest
        in her Inbox."""
        self.sales_lan.notification_type = 'email'
        self.sales_minh.notification_type = 'email'
        self.team.routing_member_ids.filtered(
            lambda member: member.user_id == self.sales_minh).assignment_optout = True
        self.env['crm.team'].sudo()._cron_assign_leads()
        self.env.cache.invalidate()
        mine = (self.vn_leads | self.fr_leads).filtered(
            lambda lead: lead.user_id == self.sales_lan)
        self.assertEqual(len(mine), 6)
        digest = self.env['mail.message'].sudo(self.sales_lan).search(
            [('needaction', '=', True), ('model', '=', False)])
        self.assertEqual(len(digest), 1)
        # What the notifier sent on her own bus channel. Odoo refuses long polling in test
        # mode ("bus.Bus not available in test mode"): the page receives these rows as the bus
        # would hand them over.
        channel = json_dump([common.get_db_name(), 'res.partner', self.sales_lan.partner_id.id])
        self.env.cr.execute("SELECT channel, message FROM bus_bus WHERE channel = %s",
                            (channel,))
        sent = [[json.loads(row[0]), json.loads(row[1])] for row in self.env.cr.fetchall()]
        self.assertEqual(len(sent), 1, "one desktop notification for her")
        result = self.run_browser('inbox_digest', 'ui_sales_lan', {
            'title': digest.sudo().subject,
            'notifications': sent,
        }, driver=DRIVER)
        _logger.info("digest read: %s", result)
        self.assertTrue(result['toast'] and digest.sudo().subject in result['toast'], result)
        self.assertIn(mine[0].name, result['toast'], "it names her leads")
        self.assertNotIn('http', result['toast'], "names, not addresses")
        self.assertTrue(any(mine[0].name in text for text in result['inbox']), result)

    def test_04_open_waiting_leads_over_xmlrpc(self):
        """The empty preview's button over XML-RPC: its creator gets the waiting leads' list;
        a salesperson calling it finds none of them in it, and may not read the preview."""
        self.team.assignment_domain = "[('country_id.code', '=', 'JP')]"
        # The test cursor's commit is a savepoint: a refused call rolls back to it.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        models = self.xmlrpc_object
        db = common.get_db_name()
        manager_uid, lan_uid = self.manager.id, self.sales_lan.id
        action = models.execute_kw(db, manager_uid, 'ui_manager', 'crm.team',
                                   'action_preview_assignment', [[self.team.id]])
        opened = models.execute_kw(db, manager_uid, 'ui_manager', 'crm.team.routing.preview',
                                   'action_open_waiting_leads', [[action['res_id']]])
        self.assertEqual(opened['res_model'], 'crm.lead')
        found = models.execute_kw(db, manager_uid, 'ui_manager', 'crm.lead', 'search',
                                  [opened['domain']])
        self.assertTrue(set((self.vn_leads | self.fr_leads).ids) <= set(found))
        # The button opens a list, nothing more: a salesperson calling it sees in that list
        # only what her rights let her read (not the waiting leads).
        opened = models.execute_kw(db, lan_uid, 'ui_sales_lan', 'crm.team.routing.preview',
                                   'action_open_waiting_leads', [[action['res_id']]])
        found = models.execute_kw(db, lan_uid, 'ui_sales_lan', 'crm.lead', 'search',
                                  [opened['domain']])
        self.assertFalse(set((self.vn_leads | self.fr_leads).ids) & set(found))
        with self.assertRaises(Fault) as refused:
            models.execute_kw(db, lan_uid, 'ui_sales_lan', 'crm.team.routing.preview', 'read',
                              [[action['res_id']], ['summary']])
        self.assertEqual(refused.exception.faultCode, ACCESS_ERROR, "the preview is his")
