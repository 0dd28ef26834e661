"""Browser steps of tests/test_ui_filters_inbox.py (issue 27): a filter built in Vietnamese with
the domain editor, previewed; an empty preview; the Assignment Log after a run where nothing
matched; a salesperson with the e-mail preference finding her digest. Same options, tooling
and output as routing_ui.py (whose helpers it uses):

    python filters_inbox_ui.py '<json options>'
"""
import sys

import routing_ui
from routing_ui import ScenarioError, open_team, team_totals


def build_country_filter(ui, country_name):
    """In edit mode, on the Routing tab: the team filter Country = ``country_name`` built in
    the domain editor as a person does (the field picked in the popover, the name typed).
    Returns the editor's count button text ("5 record(s)")."""
    page = ui.page
    domain = '.o_form_view .tab-pane.active .o_field_domain'
    ui.click(domain + ' .o_domain_add_first_node_button')
    ui.click(domain + ' .o_domain_leaf .o_field_selector')
    popover = domain + ' .o_field_selector_popover:not(.hidden)'
    # Country is a relation: the popover opens its fields; the chain is Country already.
    ui.click(popover + ' li.o_field_selector_next_page[data-name="country_id"]')
    ui.click(popover + ' .o_field_selector_close')
    page.locator(popover).wait_for(state='hidden')
    ui.settle()
    page.locator(domain + ' .o_domain_leaf_operator_select').first.select_option('=')
    ui.settle()
    value = page.locator(domain + ' input.o_domain_leaf_value_input').first
    value.fill(country_name)
    value.press('Tab')  # the widget reads the value on 'change'
    ui.settle()
    count = page.locator(domain + ' .o_domain_show_selection_button').first
    count.wait_for(state='visible')
    return count.inner_text().strip()


def preview(ui, label):
    """Press Preview assignment (``label``, translated) and return the open dialog."""
    ui.exact('.o_form_statusbar .o_statusbar_buttons button', label).click()
    return ui.modal('.o_crm_team_routing_totals')


def scenario_vietnamese_filter(ui, data):
    """A manager working in Vietnamese builds "Quốc gia = Việt Nam" in the domain editor,
    saves, and previews: the matches the editor counted are the preview's."""
    page = ui.page
    result = {}
    ui.open_web_client()
    result['lang'] = page.evaluate(
        "(window.odoo && odoo.session_info && odoo.session_info.user_context.lang) || ''")
    open_team(ui, data['team'])
    ui.step('edit: the filter %s = %s with the domain editor' % ('country_id', data['country']))
    ui.click('.o_form_buttons_view .o_form_button_edit')
    result['editor_count'] = build_country_filter(ui, data['country'])
    ui.screenshot('second_pass_vi_filter_editor')
    ui.step('save')
    ui.click('.o_form_buttons_edit .o_form_button_save')
    ui.visible('.o_form_view.o_form_readonly')
    ui.settle()
    ui.open_notebook_page_of('assignment_domain')
    ui.step('Preview assignment')
    modal = preview(ui, data['preview_label'])
    result['preview_totals'] = team_totals(modal)
    result['preview_lines'] = modal.locator('.o_list_view tbody tr.o_data_row').evaluate_all(
        "rows => rows.map(r => r.cells[0].innerText.trim())")
    result['preview_empty'] = modal.locator('.o_crm_team_routing_preview_empty:visible').count()
    ui.screenshot('second_pass_vi_preview')
    ui.close_modal(modal)
    ui.check()
    return result


def scenario_after_nothing_matched(ui, data):
    """After a run where nothing matched: the Assignment Log menu shows the waiting decisions;
    a preview of the team that matches nothing says why and what to do."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM > Configuration > Lead Routing > Assignment Log')
    ui.menu('crm.crm_menu_root')
    ui.menu('crm_team_routing.crm_lead_assignment_log_menu')
    ui.visible('.o_content .o_list_view')
    ui.settle()
    result['facets'] = page.locator('.o_searchview_facet').evaluate_all(
        "els => els.map(el => el.innerText.trim())")
    result['log_leads'] = ui.list_column('lead_id') or []
    result['log_kinds'] = ui.list_column('kind') or []
    ui.screenshot('second_pass_log_waiting')

    open_team(ui, data['team'])
    ui.step('Preview assignment of a team matching nothing')
    modal = preview(ui, data['preview_label'])
    empty = modal.locator('.o_crm_team_routing_preview_empty')
    result['empty_visible'] = empty.count() > 0 and empty.first.is_visible()
    result['empty_text'] = empty.first.inner_text().strip() if result['empty_visible'] else ''
    result['footer'] = modal.locator('.modal-footer button:visible').evaluate_all(
        "els => els.map(el => el.innerText.trim())")
    ui.screenshot('second_pass_preview_empty')
    ui.step('See the waiting leads')
    modal.locator('.modal-footer button.btn-primary:visible').first.click()
    modal.wait_for(state='hidden')
    ui.visible('.o_content .o_list_view')
    ui.settle()
    result['waiting_list'] = ui.list_column('name') or []
    ui.check()
    return result


def scenario_inbox_digest(ui, data):
    """A salesperson whose Odoo preference is e-mail logs in after routing gave her leads: a
    notification pops up, and Discuss > Inbox holds the digest."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('the bus hands over the notifier\'s message (Odoo shows it in the corner: no '
            'browser permission)')
    page.evaluate("ns => odoo.__DEBUG__.services['bus.bus'].bus.trigger('notification', ns)",
                  data['notifications'])
    toast = page.locator('.o_notification', has_text=data['title']).first
    try:
        toast.wait_for(state='visible', timeout=30000)
        result['toast'] = toast.inner_text().strip()
    except routing_ui.PlaywrightError:
        result['toast'] = None
    ui.screenshot('second_pass_digest_notification')
    counter = page.locator('.o_mail_navbar_item:has(.fa-comments) .o_notification_counter').first
    result['counter'] = counter.inner_text().strip() if counter.count() else None
    ui.step('Discuss > Inbox')
    ui.menu('mail.mail_channel_menu_root_chat')
    ui.visible('.o_mail_chat .o_thread_message')
    ui.settle()
    messages = page.locator('.o_mail_chat .o_thread_message')
    result['inbox'] = messages.evaluate_all("els => els.map(el => el.innerText.trim())")
    ui.screenshot('second_pass_digest_inbox')
    if not result['inbox']:
        raise ScenarioError('the Inbox is empty')
    ui.check()
    return result


routing_ui.SCENARIOS.update({
    'vietnamese_filter': scenario_vietnamese_filter,
    'after_nothing_matched': scenario_after_nothing_matched,
    'inbox_digest': scenario_inbox_digest,
})

if __name__ == '__main__':
    sys.exit(routing_ui.main())
