"""Browser steps of the team leader's screens and of the mass assignment applied to every lead
a search finds (tests/test_ui_leader.py).

Run like routing_ui.py, whose helpers it uses (same options, same ``RESULT <json>`` line):

    python leader_ui.py '<json options>'
"""
import os
import re
import sys

import routing_ui

ASSIGN_MENU = 'crm_team_routing.crm_lead_menu_my_teams'
ROWS = '.o_content .o_list_view tbody tr.o_data_row'


def open_assign_wizard(ui, action_label):
    """Action > ``action_label`` in the list's sidebar; the wizard's dialog."""
    page = ui.page
    label = re.compile(r'^\s*%s\s*$' % re.escape(action_label))
    dropdown = page.locator('.o_cp_sidebar .o_dropdown').filter(
        has=page.locator('.dropdown-menu a', has_text=label)).first
    dropdown.locator('.o_dropdown_toggler_btn').click()
    dropdown.locator('.dropdown-menu a', has_text=label).first.click()
    return ui.modal('.o_field_widget[name="mode"]')


def offered(ui, wizard, field_name):
    """Open the autocomplete of a relational field and read what it offers (without "Search
    More..." and "Create ..."); leaves it open."""
    field = wizard.locator('.o_field_widget[name="%s"] input' % field_name).first
    field.click()
    menu = ui.page.locator('.ui-autocomplete:visible').last
    menu.wait_for(state='visible')
    ui.settle()
    items = menu.locator('li a').all_inner_texts()
    return [item.strip() for item in items
            if not re.match(r'^(Search More|Create)', item.strip())]


def snapshot(ui, name):
    """A screenshot as the page is (``Ui.screenshot`` blurs the focus, closing dropdowns)."""
    ui.settle()
    path = os.path.join(ui.shots, '%s.png' % name)
    ui.page.screenshot(path=path)
    routing_ui.log('screenshot %s' % path)


def close_autocomplete(ui, wizard):
    wizard.locator('.modal-title').first.click()
    ui.page.locator('.ui-autocomplete:visible').first.wait_for(state='hidden')
    ui.settle()


def pick(ui, wizard, field_name, name):
    field = wizard.locator('.o_field_widget[name="%s"] input' % field_name).first
    field.click()
    field.fill(name)
    ui.exact('.ui-autocomplete:visible li a', name).click()
    ui.settle()


def apply_wizard(ui, wizard):
    wizard.locator('.modal-footer button.btn-primary').first.click()  # Apply
    outcome = ui.modal('.o_field_widget[name="result"]:not(.o_invisible_modifier)')
    text = outcome.locator('.o_field_widget[name="result"]').first.inner_text().strip()
    ui.close_modal(outcome)
    return text


def select_rows(ui, names):
    for name in names:
        row = ui.page.locator(ROWS, has_text=name).first
        row.locator('.o_list_record_selector input').check()
    ui.settle()


def scenario_leader(ui, data):
    """The leader's "My teams' leads": their teams' leads, waiting ones first; the mass
    assignment offers their teams and their members only, and assigns."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step("CRM > Pipeline > My teams' leads")
    ui.menu('crm.crm_menu_root')
    ui.menu(ASSIGN_MENU)
    ui.visible(ROWS)
    ui.settle()
    result['breadcrumb'] = page.locator('.o_control_panel .breadcrumb li').last.inner_text()
    result['names'] = ui.list_column('name')
    result['salespeople'] = ui.list_column('user_id')
    ui.screenshot('leader_my_teams_leads')

    ui.step('select the waiting leads, Action > Assign leads')
    select_rows(ui, data['assign_leads'])
    wizard = open_assign_wizard(ui, data['wizard_action'])
    result['lead_count'] = wizard.locator(
        '.o_field_widget[name="lead_count"]').first.inner_text().strip()
    result['offered_teams'] = offered(ui, wizard, 'team_id')
    close_autocomplete(ui, wizard)
    result['offered_users'] = offered(ui, wizard, 'user_id')
    snapshot(ui, 'leader_mass_assign_wizard')  # with the salesperson's choices open
    close_autocomplete(ui, wizard)
    pick(ui, wizard, 'user_id', data['assign_to'])
    result['result'] = apply_wizard(ui, wizard)
    ui.visible(ROWS)
    ui.settle()
    result['salespeople_after'] = dict(zip(ui.list_column('name'), ui.list_column('user_id')))
    ui.check()
    return result


def scenario_all_matching(ui, data):
    """A search finds more leads than the list shows; the wizard, opened on the ticked page,
    applies to every lead the search found."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM > Pipeline as a list, searching %r' % data['search'])
    ui.menu('crm.crm_menu_root')
    ui.menu(data['menu'])
    ui.visible('.o_content .o_kanban_view, .o_content .o_list_view')
    while page.locator('.o_searchview_facet .o_facet_remove').count():
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    ui.click('.o_cp_switch_buttons .o_cp_switch_list')
    ui.visible(ROWS)
    search = page.locator('.o_searchview_input').first
    search.click()
    # Typed key by key: Odoo 11's search box proposes on key events, not on 'input'. Enter
    # picks the first proposal ("Search ... for: <text>") once the list is shown.
    search.type(data['search'], delay=20)
    ui.visible('.o_searchview_autocomplete li')
    search.press('Enter')
    ui.visible('.o_searchview_facet')
    ui.settle()
    result['facets'] = page.locator('.o_searchview_facet').all_inner_texts()
    ui.visible(ROWS)
    result['rows'] = page.locator(ROWS).count()
    result['pager'] = page.locator('.o_pager_counter').first.inner_text().strip()

    ui.step('tick the page, Action > Assign leads')
    page.locator('.o_content .o_list_view thead .o_list_record_selector input').first.check()
    ui.settle()
    wizard = open_assign_wizard(ui, data['wizard_action'])
    result['lead_count'] = wizard.locator(
        '.o_field_widget[name="lead_count"]').first.inner_text().strip()
    result['matching_count'] = wizard.locator(
        '.o_field_widget[name="matching_count"]').first.inner_text().strip()
    wizard.locator('.o_field_widget[name="scope"] input[data-value="search"]').first.check()
    ui.settle()
    wizard.locator('.o_field_widget[name="mode"] input[data-value="split"]').first.check()
    ui.settle()
    for name in data['split_among']:
        pick(ui, wizard, 'user_ids', name)
    result['scope_text'] = wizard.locator(
        '.o_field_widget[name="scope_text"]').first.inner_text().strip()
    ui.screenshot('mass_assign_all_matching')
    result['result'] = apply_wizard(ui, wizard)
    ui.check()
    return result


def main():
    routing_ui.SCENARIOS.update({
        'leader': scenario_leader,
        'all_matching': scenario_all_matching,
    })
    return routing_ui.main()


if __name__ == '__main__':
    sys.exit(main())
