"""Browser steps of tests/test_ui_team.py: the team form's member cards and a lead shared
read-only. Same options, tooling and output as routing_ui.py (whose helpers it uses):

    python team_ui.py '<json options>'
"""
import sys

import routing_ui
from routing_ui import ScenarioError, open_team


def scenario_team_cards(ui, data):
    """Sales Channels list (filters in words), then the team's Routing tab: member cards with
    their 30-day load against their quota, paused and absent marked."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM > Configuration > Sales Channels: the list shows filters in words')
    ui.menu('crm.crm_menu_root')
    ui.menu('crm.crm_team_config')
    ui.visible('.o_content .o_list_view .o_data_row')
    ui.settle()
    names = ui.list_column('name')
    filters = ui.list_column('assignment_filter_text')
    if filters is None:
        raise ScenarioError('no filter column in the Sales Channels list')
    result['list_filters'] = dict(zip(names, filters))
    result['list_raw_filter_column'] = ui.list_column('assignment_domain') is not None
    ui.screenshot('team_list_filters')

    ui.step('open %s, Routing tab' % data['team'])
    open_team(ui, data['team'])
    cards = page.locator('.o_form_view .tab-pane.active .o_crm_team_routing_member_card')
    cards.first.wait_for(state='visible')
    ui.settle()
    result['cards'] = cards.evaluate_all("""cards => cards.map(card => {
        const bar = card.querySelector('.o_crm_team_routing_member_load .progress-bar');
        const text = sel => {
            const el = card.querySelector(sel);
            return el ? el.innerText.trim() : null;
        };
        return {
            name: text('.o_kanban_record_title'),
            count: text('.o_crm_team_routing_member_count'),
            bar: bar ? bar.style.width : null,
            bar_class: bar ? bar.className : null,
            paused: text('.o_crm_team_routing_member_paused_mark'),
            absent: text('.o_crm_team_routing_member_absent_mark'),
            filter: text('.o_crm_team_routing_member_filter'),
            unlimited: text('.o_crm_team_routing_member_unlimited'),
            open: text('.o_crm_team_routing_member_open'),
            preferred: text('.o_crm_team_routing_member_preferred'),
        };
    })""")
    result['help'] = page.locator(
        '.o_form_view .tab-pane.active .o_crm_team_routing_members_help').first \
        .inner_text().strip()
    cards.first.scroll_into_view_if_needed()
    ui.screenshot('team_member_cards')

    ui.step('the core Team Members tab says what it is')
    tab = ui.exact('.o_form_view .o_notebook .nav-tabs a', data['core_members_tab'])
    tab.click()
    result['core_members_help'] = page.locator(
        '.o_form_view .tab-pane.active .o_crm_team_routing_core_members_help').first \
        .inner_text().strip()
    ui.check()
    return result


def open_pipeline_card(ui, name):
    """CRM, every filter removed, then the pipeline card of ``name``."""
    page = ui.page
    ui.menu('crm.crm_menu_root')
    ui.visible('.o_content .o_kanban_view')
    ui.settle()
    while page.locator('.o_searchview_facet .o_facet_remove').count():
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    page.locator('.o_content .o_kanban_record', has_text=name).first.click()
    ui.visible('.o_form_view.o_form_readonly')
    ui.settle()


def form_state(ui):
    """What the open form offers its reader."""
    return ui.page.evaluate("""() => {
        const shown = sel => Array.from(document.querySelectorAll(sel)).filter(
            el => el.offsetParent !== null);
        const mark = shown('.o_form_view .o_crm_team_routing_shared_mark');
        return {
            mark: mark.length ? mark[0].innerText.trim() : null,
            edit: shown('.o_cp_buttons .o_form_button_edit').length > 0,
            header_buttons: shown('.o_form_statusbar .o_statusbar_buttons button')
                .map(el => el.innerText.trim()),
            send_message: shown('.o_chatter_button_new_message').length > 0,
            log_note: shown('.o_chatter_button_log_note').length > 0,
            stages_enabled: shown('.o_statusbar_status button:not([disabled])').length,
            title: (document.querySelector('.o_form_view .oe_title h1') || {}).innerText,
        };
    }""")


def scenario_shared_lead(ui, data):
    """A salesperson opens a lead shared read-only with her, then one of her own."""
    result = {}
    ui.open_web_client()
    result['lang'] = ui.page.evaluate(
        "(window.odoo && odoo.session_info && odoo.session_info.user_context.lang) || ''")
    ui.step('the shared lead %s' % data['shared'])
    open_pipeline_card(ui, data['shared'])
    ui.page.locator('.o_chatter_topbar').first.wait_for(state='visible')
    ui.settle()
    result['shared'] = form_state(ui)
    ui.screenshot(data['screenshot'])
    ui.step('the keyboard shortcut of Edit leaves it read-only')
    ui.page.keyboard.press('Alt+A')  # Odoo 11's accesskey of Edit
    ui.settle()
    result['after_shortcut_readonly'] = ui.page.locator(
        '.o_form_view.o_form_readonly').count() > 0

    ui.step('her own lead %s' % data['own'])
    open_pipeline_card(ui, data['own'])
    ui.page.locator('.o_chatter_topbar').first.wait_for(state='visible')
    ui.settle()
    result['own'] = form_state(ui)
    ui.check()
    return result


routing_ui.SCENARIOS.update({
    'team_cards': scenario_team_cards,
    'shared_lead': scenario_shared_lead,
})

if __name__ == '__main__':
    sys.exit(routing_ui.main())
