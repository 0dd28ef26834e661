"""Browser steps of tests/test_second_pass_ui.py (issue 27, items 5 to 9): members added while
a team is created, a shared lead that stays read-only, "Mine" / "Shared with me" on the leads,
a digest's link to a lead taken away, the mass assignment's pre-filling and filter warning,
the leader's "My teams". Same options, tooling and output as routing_ui.py (whose helpers it
uses):

    python second_pass_ui.py '<json options>'
"""
import sys

import leader_ui
import routing_ui
from routing_ui import ScenarioError
from team_ui import open_pipeline_card

ROWS = '.o_content .o_list_view tbody tr.o_data_row'


def pick(ui, dialog, field_name, name):
    """Choose ``name`` in a many2one of a dialog: typed, then the proposal clicked once the
    search for what was typed has answered (clicking the proposal of the first, empty search
    while it is being replaced loses the click)."""
    field = dialog.locator('.o_field_widget[name="%s"] input' % field_name).first
    for _attempt in range(3):
        field.click()
        field.fill(name)
        ui.settle()
        ui.exact('.ui-autocomplete:visible li a', name).click()
        ui.settle()
        if field.input_value().strip() == name:
            return
    raise ScenarioError('could not choose %s in %s' % (name, field_name))


def scenario_team_create(ui, data):
    """A sales manager creates a team and adds its routing members in the same form, before
    the team was ever saved."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM > Configuration > Sales Channels > Create')
    ui.menu('crm.crm_menu_root')
    ui.menu('crm.crm_team_config')
    ui.click('.o_list_buttons .o_list_button_add')
    ui.visible('.o_form_view.o_form_editable')
    ui.settle()
    page.locator('.o_form_view .o_field_widget[name="name"]').first.fill(data['team'])
    ui.open_notebook_page_of('routing_member_ids')
    for user, capacity in data['members']:
        ui.step('Add a routing member: %s, %s leads' % (user, capacity))
        ui.click('.o_form_view .tab-pane.active .o_field_widget[name="routing_member_ids"]'
                 ' .o-kanban-button-new')
        dialog = ui.modal('.o_field_widget[name="user_id"]')
        result.setdefault('team_field_shown', []).append(
            dialog.locator('.o_field_widget[name="team_id"]:visible').count() > 0)
        pick(ui, dialog, 'user_id', user)
        capacity_input = dialog.locator('input.o_field_widget[name="assignment_max"]').first
        capacity_input.fill(str(capacity))
        capacity_input.press('Tab')
        ui.settle()
        dialog.locator('.modal-footer button.btn-primary').first.click()  # Save & Close
        dialog.wait_for(state='hidden')
        ui.settle()
        ui.check()
    result['cards_before_save'] = page.locator(
        '.o_form_view .tab-pane.active .o_crm_team_routing_member_card'
        ' .o_kanban_record_title').all_inner_texts()
    ui.step('save the new team')
    ui.click('.o_form_buttons_edit .o_form_button_save')
    ui.visible('.o_form_view.o_form_readonly')
    ui.settle()
    ui.check()
    ui.open_notebook_page_of('routing_member_ids')
    page.locator('.o_form_view .tab-pane.active .o_crm_team_routing_member_card').first \
        .wait_for(state='visible')
    result['card_counts'] = page.locator(
        '.o_form_view .tab-pane.active .o_crm_team_routing_member_count').all_inner_texts()
    ui.screenshot('team_created_with_members')
    ui.check()
    return result


def star_state(ui):
    return ui.page.evaluate("""() => Array.from(document.querySelectorAll(
        '.o_form_view .o_priority .o_priority_star')).map(star => star.classList.contains(
        'fa-star'))""")


def scenario_salesperson_leads(ui, data):
    """A salesperson (in Vietnamese) on her Leads list and kanban: her own leads and the ones
    shared with her, told apart; a shared lead's stars and Action menu; a digest's link to a
    lead taken from her."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM > Pipeline > Leads: the Salesperson and "Yours" columns')
    ui.menu('crm.crm_menu_root')
    ui.menu('crm.menu_crm_leads')
    ui.visible(ROWS)
    ui.settle()
    # The list opens on "My leads"-like defaults in some set-ups: take every filter away.
    while page.locator('.o_searchview_facet .o_facet_remove').count():
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    names = ui.list_column('name')
    result['list'] = {name: [user, yours] for name, user, yours in zip(
        names, ui.list_column('user_id') or [], ui.list_column('routing_relation') or [])}
    result['headers'] = page.locator(
        '.o_content .o_list_view thead th').all_inner_texts()
    ui.screenshot('salesperson_leads_mine_shared_vi')

    ui.step('Filters > %s' % data['shared_filter'])
    # Odoo 11 folds the Filters / Group By / Favorites menus under the search box's magnifier.
    if not page.locator('.o_search_options .fa-filter').first.is_visible():
        page.locator('.o_searchview_more').first.click()
    page.locator('.o_search_options .o_dropdown_toggler_btn:has(.fa-filter)').first.click()
    ui.exact('.o_filters_menu li a', data['shared_filter']).click()
    ui.settle()
    # close the dropdown with its own button
    page.locator('.o_search_options .o_dropdown_toggler_btn:has(.fa-filter)').first.click()
    ui.settle()
    result['shared_filter_names'] = ui.list_column('name')

    ui.step('the kanban cards say which are shared (every filter taken away)')
    while page.locator('.o_searchview_facet .o_facet_remove').count():
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    ui.click('.o_cp_switch_buttons .o_cp_switch_kanban')
    ui.visible('.o_content .o_kanban_view .o_kanban_record')
    ui.settle()
    result['kanban_badges'] = page.evaluate("""() => {
        const out = {};
        for (const card of document.querySelectorAll('.o_content .o_kanban_record')) {
            const title = card.querySelector('.o_kanban_record_title');
            if (!title) continue;
            const badge = card.querySelector('.o_crm_team_routing_shared_badge');
            out[title.innerText.trim()] = [badge ? badge.innerText.trim() : null,
                card.classList.contains('o_crm_team_routing_shared_readonly')];
        }
        return out;
    }""")

    ui.step('the shared opportunity %s: its stars do not change, no Action menu'
            % data['shared_opportunity'])
    open_pipeline_card(ui, data['shared_opportunity'])
    before = star_state(ui)
    if not before:
        raise ScenarioError('no priority stars on the shared opportunity')
    page.locator('.o_form_view .o_priority .o_priority_star').last.click()
    ui.settle()
    page.mouse.move(5, 870)  # away from the stars: no hover effect
    ui.settle()
    ui.check()  # no Access Error dialog
    result['stars_before'] = before
    result['stars_after'] = star_state(ui)
    result['discard_dialog'] = page.locator('.modal.in').count()
    result['action_menu'] = page.locator('.o_cp_sidebar .o_dropdown:visible').count()
    result['readonly'] = page.locator('.o_form_view.o_form_readonly').count() > 0
    ui.screenshot('shared_lead_stars_vi')

    ui.step('her own opportunity still has its Action menu')
    open_pipeline_card(ui, data['own_opportunity'])
    result['own_action_menu'] = page.locator('.o_cp_sidebar .o_dropdown:visible').count()

    ui.step("a digest's link to a lead taken from her")
    page.goto(ui.origin + '/crm_team_routing/lead/%d' % data['gone_id'], wait_until='load')
    result['gone_message'] = ui.visible('.o_crm_team_routing_lead_gone_message').inner_text()
    result['gone_back_link'] = page.locator('a[href="/web"]').first.inner_text().strip()
    ui.screenshot('digest_link_lead_gone_vi')
    page.goto(ui.origin + '/crm_team_routing/lead/%d' % data['own_id'], wait_until='load')
    ui.visible('.o_form_view')
    ui.settle()
    result['own_link_url'] = page.url
    result['own_link_title'] = page.locator('.o_form_view .oe_title h1').first.inner_text()
    ui.check()
    return result


def scenario_wizard_warning(ui, data):
    """A leader (in Vietnamese) selects leads of their team and opens the mass assignment: the
    team is pre-filled, "Split evenly" pre-fills its members, and giving Korean and Japanese
    leads to a member whose own filter is Vietnam only is said before Apply."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step("My teams' leads, select %s" % ', '.join(data['leads']))
    ui.menu('crm.crm_menu_root')
    ui.menu(leader_ui.ASSIGN_MENU)
    ui.visible(ROWS)
    ui.settle()
    leader_ui.select_rows(ui, data['leads'])
    wizard = leader_ui.open_assign_wizard(ui, data['wizard_action'])
    result['team'] = wizard.locator(
        '.o_field_widget[name="team_id"] input').first.input_value()
    result['scope_text'] = wizard.locator(
        '.o_crm_lead_mass_assign_scope').first.inner_text().strip()
    result['labels'] = [label.strip() for label in wizard.locator(
        '.o_form_label:visible, label.o_form_label:visible').all_inner_texts()]
    ui.step('assign to %s' % data['assign_to'])
    pick(ui, wizard, 'user_id', data['assign_to'])
    warning = wizard.locator('.o_crm_lead_mass_assign_filter_warning')
    warning.wait_for(state='visible')
    result['warning'] = warning.inner_text().strip()
    leader_ui.snapshot(ui, 'mass_assign_filter_warning_vi')

    ui.step('Split evenly: the team members are proposed')
    wizard.locator('.o_field_widget[name="mode"] input[data-value="split"]').first.check()
    ui.settle()
    result['split_users'] = [tag.strip() for tag in wizard.locator(
        '.o_field_widget[name="user_ids"] .badge .o_badge_text').all_inner_texts()]
    result['split_warning_shown'] = wizard.locator(
        '.o_crm_lead_mass_assign_filter_warning:visible').count() > 0
    ui.step('back to one salesperson, Apply')
    wizard.locator('.o_field_widget[name="mode"] input[data-value="user"]').first.check()
    ui.settle()
    if not wizard.locator('.o_field_widget[name="user_id"] input').first.input_value():
        pick(ui, wizard, 'user_id', data['assign_to'])
    result['result'] = leader_ui.apply_wizard(ui, wizard)

    ui.step('CRM > Pipeline > My teams: the member cards')
    ui.menu('crm_team_routing.crm_team_member_menu_my_teams')
    ui.visible('.o_content .o_crm_team_routing_member_card')
    ui.settle()
    result['my_teams_columns'] = [title.strip() for title in page.locator(
        '.o_content .o_kanban_group .o_column_title').all_inner_texts()]
    result['my_teams_cards'] = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.o_content .o_crm_team_routing_member_card')).map(card => [
            card.querySelector('.o_kanban_record_title').innerText.trim(),
            card.querySelector('.o_crm_team_routing_member_count').innerText.trim()])""")
    result['my_teams_create'] = page.locator('.o_cp_buttons .o-kanban-button-new:visible,'
                                             ' .o_cp_buttons .o_kanban_button_new:visible'
                                             ).count()
    ui.screenshot('leader_my_teams_vi')
    ui.check()
    return result


routing_ui.SCENARIOS.update({
    'team_create': scenario_team_create,
    'salesperson_leads': scenario_salesperson_leads,
    'wizard_warning': scenario_wizard_warning,
})

if __name__ == '__main__':
    sys.exit(routing_ui.main())
