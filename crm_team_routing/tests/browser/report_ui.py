"""Browser steps of the routing report (tests/test_ui_report.py): a sales manager opens
CRM > Reporting > Lead Routing, whose pivot shows salespeople by month.

Run like routing_ui.py, whose helpers it uses (same options, same ``RESULT <json>`` line):

    python report_ui.py '<json options>'
"""
import sys

import routing_ui

REPORT_MENU = 'crm_team_routing.crm_lead_routing_report_menu'


def scenario_report(ui, data):
    """The pivot as it opens: its row headers (salespeople), column headers (months) and
    measure headers, in the session's language; screenshot ``data['screenshot']``."""
    result = {}
    ui.open_web_client()
    result['lang'] = ui.page.evaluate(
        "(window.odoo && odoo.session_info && odoo.session_info.user_context.lang) || ''")
    ui.step('CRM > Reporting > Lead Routing')
    ui.menu('crm.crm_menu_root')
    ui.menu(REPORT_MENU)
    ui.visible('.o_content .o_pivot table')
    ui.settle()
    table = ui.page.locator('.o_content .o_pivot table').first
    result['rows'] = [text.strip() for text in
                      table.locator('tbody .o_pivot_header_cell_closed, '
                                    'tbody .o_pivot_header_cell_opened').all_inner_texts()]
    result['columns'] = [text.strip() for text in
                         table.locator('thead .o_pivot_header_cell_closed, '
                                       'thead .o_pivot_header_cell_opened').all_inner_texts()]
    result['measures'] = [text.strip() for text in
                          table.locator('thead .o_pivot_measure_row').all_inner_texts()]
    result['breadcrumb'] = ui.page.locator('.o_control_panel .breadcrumb li').last \
        .inner_text().strip()
    ui.screenshot(data['screenshot'])
    ui.check()
    return result


routing_ui.SCENARIOS['report'] = scenario_report

if __name__ == '__main__':
    sys.exit(routing_ui.main())
