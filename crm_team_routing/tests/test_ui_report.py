# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end test of the routing report in headless Debian chromium
(tests/browser/report_ui.py): a sales manager, in Vietnamese, opens CRM > Reporting > Lead
Routing; the pivot shows salespeople by month. How these tests work: see test_ui.py."""
import logging
import os
import time

from odoo.tests import common

from . import test_ui
from .common import ensure_vietnamese

_logger = logging.getLogger(__name__)


@common.at_install(False)
@common.post_install(True)
class TestReportUi(test_ui.BrowserCase):
    driver = os.path.join(test_ui.HERE, 'browser', 'report_ui.py')

    def test_manager_opens_the_report_in_vietnamese(self):
        start = time.time()
        ensure_vietnamese(self.env)
        _logger.info("vi_VN loaded in %.1fs", time.time() - start)
        manager = self.create_user('ui_manager', 'Hoa Pham', 'sales_team.group_sale_manager',
                                   lang='vi_VN')
        people = [self.create_user(login, name, 'sales_team.group_sale_salesman')
                  for login, name in (('ui_sales_binh', 'Bình Trần'),
                                      ('ui_sales_cuong', 'Cường Lê'))]
        team = self.env['crm.team'].create({
            'name': 'Báo cáo Hà Nội', 'user_id': manager.id, 'company_id': self.company.id,
            'assignment_sla_hours': 4})
        for user in people:
            self.env['crm.team.member'].create({'team_id': team.id, 'user_id': user.id,
                                                'assignment_max': 50})
        Lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True)
        leads = Lead.browse([Lead.create({'name': 'Nhà thuốc %d' % index, 'type': 'lead',
                                          'user_id': False, 'team_id': team.id}).id
                             for index in range(8)])
        self.env['crm.team']._cron_assign_leads()
        leads.invalidate_cache()
        self.assertEqual(set(leads.mapped('user_id')), set(people))
        # Two months of assignments: each lead assigned some hours ago, six of them followed up
        # now by their salesperson (the real touch), then the first half moved a month back
        # with their follow-ups (as if all this had happened then).
        hours = [1.5, 3, 7, 2, 0.5, 5, 9, 12]
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log log
               SET date = now() at time zone 'UTC' - v.hours * interval '1 hour'
              FROM unnest(%s::int[], %s::float[]) AS v(lead_id, hours)
             WHERE log.lead_id = v.lead_id
        """, (leads.ids, hours))
        for lead in leads[:6]:
            lead.sudo(lead.user_id).message_post(body='Đã gọi', message_type='comment')
        leads[1].sudo(leads[1].user_id).action_set_won()
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log
               SET date = date - interval '31 days', touch_date = touch_date - interval '31 days'
             WHERE lead_id = ANY(%s)
        """, (leads[:4].ids,))
        totals = self.env['crm.lead.routing.report'].sudo(manager).read_group(
            [('team_id', '=', team.id)], ['team_id', 'within_sla_rate', 'won_count'],
            ['team_id'])[0]
        self.assertEqual(totals['team_id_count'], 8)
        self.assertEqual(totals['won_count'], 1)
        self.assertAlmostEqual(totals['within_sla_rate'], 50.0, msg="4 of 8 within 4 hours")
        result = self.run_browser('report', 'ui_manager', {
            'screenshot': 'routing_report_vi',
        })
        _logger.info("report scenario read: %s", result)
        self.assertTrue(result['lang'].startswith('vi'), result)
        self.assertEqual(result['breadcrumb'], 'Phân bổ tiềm năng')
        for user in people:
            self.assertIn(user.name, result['rows'])
        self.assertEqual(len(result['columns']), 3, "a total and two months: %s" % result)
        self.assertIn('Giờ phản hồi', result['measures'])
        self.assertIn('% Trong SLA', result['measures'])
        self.assertTrue(os.path.exists(os.path.join(test_ui.screenshot_dir(),
                                                    'routing_report_vi.png')))
