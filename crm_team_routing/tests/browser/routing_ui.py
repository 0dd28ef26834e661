"""Browser steps of crm_team_routing's end-to-end tests (tests/test_ui.py).

Run by the browser-test virtualenv's Python (>= 3.8, ``playwright``), never by Odoo's Python:

    python routing_ui.py '<json options>'

Options: ``port``, ``session_id`` (an authenticated session of the Odoo server under test),
``scenario`` (one of SCENARIOS), ``screenshots`` (folder for the PNG files), ``data`` (what the
scenario needs: names of the team, leads, users) and ``timeout`` (seconds per step).

Drives Debian's chromium (``/usr/bin/chromium``, never a downloaded browser) headless through
Playwright, prints what it does on stderr and, on success, one last stdout line
``RESULT <json>`` with what the page showed; the Odoo test asserts on it and on the database.
Any page error, ``alert()``, server error dialog or "Style error" fails the scenario (exit 1)
after a ``failure-<scenario>.png`` screenshot.
"""
import json
import os
import re
import sys
import time
import traceback

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get('CRM_TEAM_ROUTING_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
]
VIEWPORT = {'width': 1280, 'height': 880}  # the Routing tab down to its members
# The Assignment Log's search view proposes its fields in this order: lead, salesperson, team.
LOG_SEARCH_TEAM = 2


def log(message):
    sys.stderr.write('[routing_ui] %s\n' % message)
    sys.stderr.flush()


class ScenarioError(AssertionError):
    pass


class Ui:
    """Small helpers over a Playwright page showing Odoo 11's web client."""

    def __init__(self, page, options):
        self.page = page
        self.origin = 'http://127.0.0.1:%s' % options['port']
        self.shots = options['screenshots']
        self.timeout = float(options.get('timeout') or 60) * 1000
        self.problems = []
        page.set_default_timeout(self.timeout)
        page.on('pageerror', lambda error: self.problems.append('page error: %s' % (
            getattr(error, 'stack', None) or getattr(error, 'message', None) or error)))
        page.on('dialog', self._on_dialog)
        page.on('console', lambda msg: log('console.%s: %s' % (msg.type, msg.text)))
        page.on('response', lambda response: response.status >= 400 and log(
            'HTTP %s %s' % (response.status, response.url)))

    def _on_dialog(self, dialog):
        # An asset bundle whose LESS does not compile alerts "Style error" (no web_editor).
        self.problems.append('%s: %s' % (dialog.type, dialog.message))
        try:
            dialog.dismiss()
        except PlaywrightError:
            pass

    def check(self):
        """Fail on page errors, alerts, and Odoo's error / warning / style error dialogs."""
        if self.problems:
            raise ScenarioError('; '.join(self.problems))
        bad = self.page.evaluate("""() => {
            const out = [];
            if (window.__assetsBundleErrorSeen) {
                // Odoo inlines this flag with a "Style error" dialog when LESS did not compile.
                out.push('Style error: an asset bundle did not compile (is lessc on PATH?)');
            }
            const text = el => el.closest('.modal').innerText.slice(0, 1500);
            for (const el of document.querySelectorAll('.modal .o_dialog_error,'
                                                        + '.modal .o_dialog_warning')) {
                out.push(text(el));
            }
            for (const el of document.querySelectorAll('.modal .modal-title')) {
                if (/style error/i.test(el.innerText)) out.push(text(el));
            }
            return out;
        }""")
        if bad:
            raise ScenarioError('error dialog in the page: %s' % ' | '.join(bad))

    def step(self, text):
        log('step: %s' % text)
        self.check()

    def screenshot(self, name):
        self.settle()
        # No focus ring on the last clicked tab or button, no tooltip under the mouse.
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        self.page.mouse.move(5, VIEWPORT['height'] - 5)
        self.page.wait_for_timeout(200)
        path = os.path.join(self.shots, '%s.png' % name)
        self.page.screenshot(path=path)
        log('screenshot %s' % path)
        return path

    def settle(self, quiet_ms=400):
        """Wait until no RPC has been running for ``quiet_ms`` (Odoo 11 has no idle signal:
        count the jQuery/XHR traffic ourselves) and animations (modals fading) are over."""
        self.page.evaluate("""() => {
            if (window.__rpcWatch) return;
            window.__rpcWatch = {pending: 0, last: Date.now()};
            const send = XMLHttpRequest.prototype.send;
            XMLHttpRequest.prototype.send = function () {
                const w = window.__rpcWatch;
                w.pending += 1; w.last = Date.now();
                this.addEventListener('loadend', () => { w.pending -= 1; w.last = Date.now(); });
                return send.apply(this, arguments);
            };
        }""")
        deadline = time.time() + self.timeout / 1000
        while time.time() < deadline:
            idle = self.page.evaluate(
                "q => window.__rpcWatch.pending === 0 && Date.now() - window.__rpcWatch.last > q"
                " && !document.querySelector('.modal.fade:not(.in)')", quiet_ms)
            if idle:
                return
            self.page.wait_for_timeout(100)
        raise ScenarioError('the page never became idle')

    def visible(self, selector):
        locator = self.page.locator(selector).first
        locator.wait_for(state='visible')
        return locator

    def click(self, selector):
        self.visible(selector).click()

    def open_web_client(self):
        self.page.goto(self.origin + '/web', wait_until='load')
        self.visible('.oe_application_menu_placeholder')
        self.settle()
        self.check()

    def menu(self, xmlid):
        """Click a menu by XML id (labels change with the language), opening its parent
        sub-menu first when it is folded."""
        selector = 'a[data-menu-xmlid="%s"]' % xmlid
        link = self.page.locator(selector).first
        link.wait_for(state='attached')
        if not link.is_visible():
            parent = self.page.evaluate("""sel => {
                const li = document.querySelector(sel).closest('ul.oe_secondary_submenu');
                const toggler = li && li.parentElement.querySelector(':scope > a.oe_menu_toggler');
                return toggler ? toggler.getAttribute('data-menu-xmlid') : null;
            }""", selector)
            if parent:
                self.click('a[data-menu-xmlid="%s"]' % parent)
        self.click(selector)
        self.settle()
        self.check()

    def exact(self, selector, text):
        """The first element of ``selector`` whose whole text is ``text``."""
        return self.page.locator(selector).filter(
            has_text=re.compile(r'^\s*%s\s*$' % re.escape(text))).first

    def list_column(self, field_name, root='.o_content .o_list_view'):
        """Texts of one column of a list view (11.0 marks header cells only, with jQuery data)."""
        return self.page.evaluate("""([root, name]) => {
            const $table = $(root).first();
            const index = $table.find('thead th').filter(function () {
                return $(this).data('name') === name;
            }).index();
            if (index < 0) return null;
            return $table.find('tbody tr.o_data_row').map(function () {
                return $(this).children().eq(index).text().trim();
            }).get();
        }""", [root, field_name])

    def search_in_field(self, text, position):
        """Search the current view for ``text`` in the search view's field at ``position``
        (their order in the view: the proposals' labels are translated). Typed key by key:
        Odoo 11's search box proposes on key events, not on 'input'."""
        search = self.page.locator('.o_searchview_input').first
        search.click()
        search.type(text, delay=20)
        proposal = self.page.locator('.o_searchview_autocomplete > li').nth(position)
        proposal.wait_for(state='visible')
        proposal.click()
        self.visible('.o_searchview_facet')
        self.settle()
        self.check()

    def open_notebook_page_of(self, field_name):
        """Activate the notebook page holding ``field_name`` (11.0 tabs carry no page name;
        their labels are translated)."""
        href = self.page.evaluate("""name => {
            const field = document.querySelector(
                '.o_form_view .o_notebook .tab-pane [name="' + name + '"]');
            return field ? '#' + field.closest('.tab-pane').id : null;
        }""", field_name)
        if not href:
            raise ScenarioError('no notebook page holds the field %s' % field_name)
        self.click('.o_form_view .o_notebook .nav-tabs a[href="%s"]' % href)
        self.visible('.o_form_view .tab-pane.active [name="%s"]' % field_name)

    def modal(self, selector=''):
        """The last open dialog (containing ``selector``)."""
        locator = self.page.locator('.modal.in' + (':has(%s)' % selector if selector else '')).last
        locator.wait_for(state='visible')
        self.settle()
        self.check()
        return locator

    def close_modal(self, modal):
        """Close a dialog with its footer's (last visible) button, "Close" in ours: unlike the
        header's cross, it makes 11.0 reload the form that opened the dialog."""
        modal.locator('.modal-footer button:visible').last.click()
        modal.wait_for(state='hidden')
        self.settle()
        self.check()


# ------------------------------------------------------------------------------------------------
# Scenarios: each returns a JSON-able dict for the Odoo test to assert on.
# ------------------------------------------------------------------------------------------------

def open_team(ui, team_name):
    ui.step('CRM > Configuration > Sales Channels > %s' % team_name)
    ui.menu('crm.crm_menu_root')
    ui.menu('crm.crm_team_config')
    ui.page.locator('.o_content .o_list_view .o_data_row', has_text=team_name).first.click()
    ui.visible('.o_form_view .o_notebook')
    ui.settle()
    ui.open_notebook_page_of('assignment_domain')


def team_totals(modal):
    """[who, leads] of each row of a routing result's totals (columns: who, team, leads, load,
    why none)."""
    return modal.locator('.o_crm_team_routing_totals tbody tr').evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText.trim(), parseInt(r.cells[2].innerText, 10)])")


def scenario_manager(ui, data):
    """Routing tab, filter with the domain editor, preview, assign now, log, mass-assign wizard."""
    page = ui.page
    result = {}
    ui.open_web_client()
    open_team(ui, data['team'])

    ui.step('edit the team filter with the domain editor: Country > Country Code = %s'
            % data['country_code'])
    ui.click('.o_form_buttons_view .o_form_button_edit')
    domain = '.o_form_view .tab-pane.active .o_field_domain'
    ui.click(domain + ' .o_domain_add_first_node_button')
    ui.click(domain + ' .o_domain_leaf .o_field_selector')
    popover = domain + ' .o_field_selector_popover:not(.hidden)'
    ui.click(popover + ' li.o_field_selector_next_page[data-name="country_id"]')
    ui.click(popover + ' li.o_field_selector_select_button[data-name="code"]')
    page.locator(popover).wait_for(state='hidden')
    ui.settle()
    operator = page.locator(domain + ' .o_domain_leaf_operator_select').first
    operator.select_option('=')
    value = page.locator(domain + ' input.o_domain_leaf_value_input').first
    value.fill(data['country_code'])
    value.press('Tab')  # the widget reads the value on 'change'
    ui.settle()
    count = page.locator(domain + ' .o_domain_show_selection_button').first
    count.wait_for(state='visible')
    result['domain_button'] = count.inner_text().strip()
    ui.screenshot('team_routing_domain_editor')

    ui.step('save')
    ui.click('.o_form_buttons_edit .o_form_button_save')
    ui.visible('.o_form_view.o_form_readonly')
    ui.settle()
    ui.open_notebook_page_of('assignment_domain')  # saving re-renders the first page
    result['domain_read_mode'] = page.locator(
        '.o_form_view .tab-pane.active .o_field_domain .o_domain_selector').first.inner_text()

    ui.step('Preview assignment')
    buttons = data['buttons']  # labels read from the form view by the test
    ui.exact('.o_form_statusbar .o_statusbar_buttons button',
             buttons['action_preview_assignment']).click()
    modal = ui.modal('.o_crm_team_routing_totals')
    result['preview_title'] = modal.locator('.modal-title').first.inner_text().strip()
    result['preview_totals'] = team_totals(modal)
    result['preview_lines'] = modal.locator('.o_list_view tbody tr.o_data_row').count()
    ui.screenshot('preview')
    ui.close_modal(modal)

    ui.step('Assign now (confirm)')
    ui.exact('.o_form_statusbar .o_statusbar_buttons button',
             buttons['action_assign_leads']).click()
    confirm = ui.modal()
    result['confirm_text'] = confirm.locator('.modal-body').first.inner_text().strip()
    confirm.locator('.modal-footer .btn-primary').first.click()
    done = ui.modal('.o_crm_team_routing_totals')
    result['done_title'] = done.locator('.modal-title').first.inner_text().strip()
    result['done_totals'] = team_totals(done)
    ui.screenshot('assignment_done')
    ui.close_modal(done)
    # Closing the dialog reloads the team: its 30-day count now holds the assigned leads.
    ui.open_notebook_page_of('assignment_domain')
    result['month_count_after'] = page.locator(
        '.o_form_view .tab-pane.active .o_field_widget[name="lead_month_count"]').first \
        .inner_text().strip()
    ui.screenshot('team_routing_tab')

    ui.step('CRM > Configuration > Lead Routing > Assignment Log')
    ui.menu('crm_team_routing.crm_lead_assignment_log_menu')
    # The team's rows only: the database may hold others (demo data routed already).
    ui.search_in_field(data['team'], LOG_SEARCH_TEAM)
    ui.visible('.o_content .o_list_view tbody tr.o_data_row')
    result['log_leads'] = ui.list_column('lead_id')
    ui.screenshot('assignment_log')

    ui.step('Pipeline as a list, no filter: select the waiting leads, Action > Assign leads')
    ui.menu('crm.menu_crm_opportunities')
    ui.visible('.o_content .o_kanban_view')
    for remove in range(page.locator('.o_searchview_facet .o_facet_remove').count()):
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    ui.click('.o_cp_switch_buttons .o_cp_switch_list')
    ui.visible('.o_content .o_list_view tbody tr.o_data_row')
    ui.settle()
    for name in data['wizard_leads']:
        row = page.locator('.o_content .o_list_view tr.o_data_row', has_text=name).first
        row.locator('.o_list_record_selector input').check()
    # The sidebar's "Action" dropdown: the one listing the wizard's action.
    label = re.compile(r'^\s*%s\s*$' % re.escape(data['wizard_action']))
    dropdown = page.locator('.o_cp_sidebar .o_dropdown').filter(
        has=page.locator('.dropdown-menu a', has_text=label)).first
    dropdown.locator('.o_dropdown_toggler_btn').click()
    dropdown.locator('.dropdown-menu a', has_text=label).first.click()
    wizard = ui.modal('.o_field_widget[name="mode"]')
    result['wizard_lead_count'] = wizard.locator(
        '.o_field_widget[name="lead_count"]').first.inner_text().strip()
    user_input = wizard.locator('.o_field_widget[name="user_id"] input').first
    user_input.click()
    user_input.fill(data['wizard_user'])
    ui.exact('.ui-autocomplete li a', data['wizard_user']).click()
    ui.page.locator('.ui-autocomplete').first.wait_for(state='hidden')
    ui.settle()
    ui.screenshot('mass_assign_wizard')
    wizard.locator('.modal-footer button.btn-primary').first.click()  # Apply
    outcome = ui.modal('.o_field_widget[name="result"]:not(.o_invisible_modifier)')
    result['wizard_result'] = outcome.locator(
        '.o_field_widget[name="result"]').first.inner_text().strip()
    ui.close_modal(outcome)
    ui.check()
    return result


def scenario_salesperson(ui, data):
    """The salesperson's pipeline, with and without the default filter, and as a list."""
    page = ui.page
    result = {}
    ui.open_web_client()
    ui.step('CRM (My Pipeline)')
    ui.menu('crm.crm_menu_root')
    ui.visible('.o_content .o_kanban_view')
    ui.settle()
    result['facets'] = page.locator('.o_searchview_facet').all_inner_texts()
    result['kanban_default'] = page.locator(
        '.o_content .o_kanban_record .o_kanban_record_title').all_inner_texts()
    ui.step('remove the filters: what may this salesperson read at all?')
    while page.locator('.o_searchview_facet .o_facet_remove').count():
        page.locator('.o_searchview_facet .o_facet_remove').first.click()
        ui.settle()
    result['kanban_all'] = page.locator(
        '.o_content .o_kanban_record .o_kanban_record_title').all_inner_texts()
    ui.screenshot('salesperson_pipeline')
    ui.click('.o_cp_switch_buttons .o_cp_switch_list')
    ui.visible('.o_content .o_list_view tbody tr.o_data_row')
    ui.settle()
    result['list_all'] = ui.list_column('name')
    ui.screenshot('salesperson_list')
    ui.check()
    return result


def scenario_routing_tab(ui, data):
    """The team's Routing tab, in the session's language (screenshot ``data['screenshot']``);
    with ``data['log']``, then the assignment log's reasons (screenshot ``data['log']``)."""
    result = {}
    ui.open_web_client()
    open_team(ui, data['team'])
    result['lang'] = ui.page.evaluate(
        "(window.odoo && odoo.session_info && odoo.session_info.user_context.lang) || ''")
    result['tab'] = ui.page.locator('.o_form_view .o_notebook .nav-tabs li.active a').first \
        .inner_text().strip()
    ui.screenshot(data['screenshot'])
    if data.get('log'):
        ui.step('CRM > Configuration > Lead Routing > Assignment Log')
        ui.menu('crm_team_routing.crm_lead_assignment_log_menu')
        ui.search_in_field(data['team'], LOG_SEARCH_TEAM)
        ui.visible('.o_content .o_list_view tbody tr.o_data_row')
        result['log_reasons'] = ui.list_column('reason')
        ui.screenshot(data['log'])
    ui.check()
    return result


SCENARIOS = {
    'manager': scenario_manager,
    'salesperson': scenario_salesperson,
    'routing_tab': scenario_routing_tab,
}


def main():
    options = json.loads(sys.argv[-1])
    scenario = SCENARIOS[options['scenario']]
    os.makedirs(options['screenshots'], exist_ok=True)
    if not os.access(CHROMIUM, os.X_OK):
        log('no chromium at %s (apt-get install chromium)' % CHROMIUM)
        return 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.add_cookies([{'name': 'session_id', 'value': options['session_id'],
                                  'domain': domain, 'path': '/'}
                                 for domain in ('127.0.0.1', 'localhost')])
            ui = Ui(context.new_page(), options)
            try:
                result = scenario(ui, options.get('data') or {})
            except Exception:
                log('FAILED at %s\n%s' % (ui.page.url, traceback.format_exc()))
                try:
                    path = os.path.join(options['screenshots'],
                                        'failure-%s.png' % options['scenario'])
                    ui.page.screenshot(path=path)
                    log('screenshot of the failure: %s' % path)
                    log('page text: %s' % ui.page.evaluate(
                        "document.body ? document.body.innerText.slice(0, 3000) : ''"))
                except PlaywrightError:
                    pass
                return 1
        finally:
            browser.close()
    sys.stdout.write('RESULT %s\n' % json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
