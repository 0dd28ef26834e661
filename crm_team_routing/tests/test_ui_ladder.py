# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The follow-up ladder in the web client (tests/browser/ladder_ui.py): the salesperson finds
the lead routing gave them in the top bar's activities menu, with its due date, in Vietnamese.
How these tests work: see test_ui.py, whose helpers they use."""
import logging
import os
from datetime import datetime

from odoo.tests import common

from . import test_ui
from .common import ensure_vietnamese

_logger = logging.getLogger(__name__)


@common.at_install(False)
@common.post_install(True)
class TestLadderUi(test_ui.BrowserCase):
    driver = os.path.join(test_ui.HERE, 'browser', 'ladder_ui.py')

    def test_routed_lead_in_the_activities_menu_in_vietnamese(self):
        ensure_vietnamese(self.env)
        lan = self.create_user('ui_ladder_lan', 'Lan Nguyen', 'sales_team.group_sale_salesman',
                               lang='vi_VN', tz='Asia/Ho_Chi_Minh')
        team = self.env['crm.team'].create({
            'name': 'Ladder Pharma', 'company_id': self.company.id,
            'assignment_sla_hours': 24, 'assignment_activity': True,
        })
        self.env['crm.team.member'].create({'team_id': team.id, 'user_id': lan.id,
                                            'assignment_max': 10})
        lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True).create({
            'name': 'Hanoi Pharmacy Chain', 'type': 'lead', 'user_id': False, 'team_id': False})
        team._action_assign_leads(mode='cron')
        self.assertEqual(lead.user_id, lan)
        activity = self.env['mail.activity'].search([('res_model', '=', 'crm.lead'),
                                                     ('res_id', '=', lead.id)])
        self.assertEqual(activity.user_id, lan)
        result = self.run_browser('activity_menu', 'ui_ladder_lan', {'lead': lead.name})
        _logger.info("activity menu scenario read: %s", result)
        self.assertTrue(result['lang'].startswith('vi'), result)
        # Due tomorrow or later: not in the counter of today's and late activities.
        self.assertIn(result['counter'].strip(), ('', '0'))
        self.assertIn('Tiềm năng/Cơ hội', result['preview'])
        self.assertIn('1 Tương lai', result['preview'])
        self.assertTrue(any(lead.name in card for card in result['cards']), result['cards'])
        self.assertEqual(len(result['cards']), 1, "only the lead of her activity")
        self.assertIn('Cần làm', result['activity'])  # core's To Do
        # The dropdown's title is the due date as the web client holds it (a moment: 'Mon Dec
        # 07 2026 00:00:00 GMT+0000').
        due = datetime.strptime(activity.date_deadline, '%Y-%m-%d')
        self.assertTrue(activity.date_deadline in (result['due_title'] or '')
                        or due.strftime('%b %d %Y') in (result['due_title'] or ''), result)
        self.assertTrue(any(label in result['activity']
                            for label in ('Ngày mai', 'Hạn trong')), result['activity'])
