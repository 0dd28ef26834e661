"""The README's screenshots, taken from the demo that ``make run`` serves (``make screenshots``).

Run by scripts/screenshots.sh with the browser virtualenv's Python (>= 3.8, ``playwright``)
against an Odoo server holding a fresh demo database with Vietnamese installed:

    python screenshots.py --port PORT --db DB --out docs/screenshots

Logs in through the login form as the demo's people (admin / admin; an, binh with "demo"), does
what the README's "Try it" tells a visitor to do (Preview, Assign now, the leader's screen, the
salesperson's leads), and saves 1280x800 PNGs. The helpers (waiting for the web client, menus
by XML id, error dialogs) are those of the browser tests, crm_team_routing/tests/browser.
"""
import argparse
import os
import re
import sys
import traceback
import xmlrpc.client

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'crm_team_routing', 'tests', 'browser'))
import routing_ui  # noqa: E402  (found through the path above)
from leader_ui import open_assign_wizard, pick  # noqa: E402

VIEWPORT = {'width': 1280, 'height': 800}
PASSWORDS = {'admin': 'admin'}  # the demo's other people: "demo"
LEAD_ROWS = '.o_content .o_list_view tbody tr.o_data_row'


def log(message):
    sys.stderr.write('[screenshots] %s\n' % message)
    sys.stderr.flush()


class Rpc:
    """XML-RPC as the administrator: the few changes a visitor would make by hand."""

    def __init__(self, port, db):
        self.db = db
        url = 'http://127.0.0.1:%s/xmlrpc/2/' % port
        self.uid = xmlrpc.client.ServerProxy(url + 'common').authenticate(
            db, 'admin', 'admin', {})
        self.models = xmlrpc.client.ServerProxy(url + 'object', allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, 'admin', model, method,
                                      list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split('.')
        row = self('ir.model.data', 'search_read',
                   [('module', '=', module), ('name', '=', name)], fields=['res_id'])
        return row[0]['res_id']

    def user(self, login):
        return self('res.users', 'search', [('login', '=', login)])[0]


class Ui(routing_ui.Ui):
    """The browser tests' helpers, plus the wait for Odoo's loading marks and 1280x800 shots."""

    def settle(self, quiet_ms=400):
        super().settle(quiet_ms)
        # Odoo's "Loading..." badge and a blocked UI (blockUI) end with the RPCs; wait anyway.
        self.page.wait_for_function(
            "() => !Array.from(document.querySelectorAll('.o_loading, .blockUI'))"
            ".some(el => el.offsetParent !== null)")

    def shot(self, name, scroll_to=None):
        if scroll_to:
            self.page.locator(scroll_to).first.scroll_into_view_if_needed()
        self.settle()
        self.check()
        # No focus ring on the last clicked button, no tooltip under the mouse.
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        self.page.mouse.move(VIEWPORT['width'] - 5, VIEWPORT['height'] - 5)
        self.page.wait_for_timeout(300)
        path = os.path.join(self.shots, '%s.png' % name)
        self.page.screenshot(path=path, full_page=False)
        log('%s (%d KB)' % (path, os.path.getsize(path) // 1024))


class Session:
    """One person's browser context, logged in through Odoo's login form."""

    current = None  # the last one opened: its page is shown when a step fails

    def __init__(self, browser, options, login):
        self.context = browser.new_context(viewport=VIEWPORT, locale='en-US')
        self.ui = Ui(self.context.new_page(), options)
        Session.current = self
        page = self.ui.page
        log('log in as %s' % login)
        page.goto(self.ui.origin + '/web/login', wait_until='load')
        page.fill('input[name=login]', login)
        page.fill('input[name=password]', PASSWORDS.get(login, 'demo'))
        page.click('form.oe_login_form button[type=submit]')
        self.ui.visible('.oe_application_menu_placeholder')
        self.ui.settle()
        self.ui.check()

    def close(self):
        self.context.close()


def click_button(ui, label):
    ui.exact('.o_form_statusbar .o_statusbar_buttons button', label).click()


def open_team_routing(ui, team):
    routing_ui.open_team(ui, team)  # CRM > Configuration > Sales Channels > team, Routing tab
    ui.page.locator('.o_form_view .tab-pane.active .o_crm_team_routing_member_card') \
        .first.wait_for(state='visible')
    ui.settle()


def as_admin(browser, options, rpc):
    """Manager: Preview, the domain editor, Assign now, the Routing tab's member cards."""
    session = Session(browser, options, 'admin')
    ui = session.ui
    open_team_routing(ui, 'North')

    click_button(ui, 'Preview assignment')
    modal = ui.modal('.o_crm_team_routing_totals')
    ui.shot('preview')
    ui.close_modal(modal)

    ui.open_notebook_page_of('assignment_domain')
    ui.click('.o_form_buttons_view .o_form_button_edit')
    ui.visible('.o_form_view .tab-pane.active .o_field_domain .o_domain_leaf')
    ui.shot('team_routing_domain_editor')
    ui.click('.o_form_buttons_edit .o_form_button_cancel')
    ui.visible('.o_form_view.o_form_readonly')

    click_button(ui, 'Assign now')
    confirm = ui.modal()
    confirm.locator('.modal-footer .btn-primary').first.click()
    done = ui.modal('.o_crm_team_routing_totals')
    ui.close_modal(done)
    ui.open_notebook_page_of('assignment_domain')
    ui.page.locator('.o_form_view .tab-pane.active .o_crm_team_routing_member_card') \
        .first.wait_for(state='visible')
    ui.shot('team_routing_tab')
    ui.page.evaluate("() => document.querySelector('.o_form_view .tab-pane.active"
                     " .o_crm_team_routing_member_card').scrollIntoView({block: 'center'})")
    ui.shot('team_member_cards')
    session.close()


def run_scheduled_actions(browser, options, rpc):
    """The other teams routed and the campaigns shared: their scheduled actions, run now."""
    for xmlid in ('ir_cron_assign_leads', 'ir_cron_apply_share_rules'):
        # One at a time: 11.0's method_direct_trigger reads cron.user_id off the whole set.
        rpc('ir.cron', 'method_direct_trigger', [rpc.ref('crm_team_routing.' + xmlid)])


def as_admin_log_and_schedule(browser, options, rpc):
    """Manager: the assignment log, the routing schedule in CRM's settings."""
    session = Session(browser, options, 'admin')
    ui = session.ui
    ui.menu('crm.crm_menu_root')
    ui.menu('crm_team_routing.crm_lead_assignment_log_menu')
    ui.visible(LEAD_ROWS)
    ui.shot('assignment_log')

    ui.menu('crm.crm_config_settings_menu')
    ui.page.locator('[name="crm_team_routing_schedule"]').first.wait_for(state='attached')
    ui.page.wait_for_timeout(1500)  # the settings page's opening animation (a purple drop)
    ui.shot('routing_schedule_settings', scroll_to='[name="crm_team_routing_schedule"]')
    session.close()


def as_admin_in_vietnamese(browser, options, rpc):
    """The Routing tab, the assignment log (reasons in the reader's language) and the routing
    report in Vietnamese."""
    rpc('res.users', 'write', [rpc.uid], {'lang': 'vi_VN'})
    try:
        session = Session(browser, options, 'admin')
        ui = session.ui
        open_team_routing(ui, 'North')
        ui.shot('team_routing_tab_vi')
        ui.menu('crm.crm_menu_root')
        ui.menu('crm_team_routing.crm_lead_assignment_log_menu')
        ui.visible(LEAD_ROWS)
        ui.shot('assignment_log_vi')
        # The routing report: salespeople by month (docs/reporting.md).
        ui.menu('crm.crm_menu_root')
        ui.menu('crm_team_routing.crm_lead_routing_report_menu')
        ui.visible('.o_content .o_pivot table')
        ui.shot('routing_report_vi')
        session.close()
    finally:
        rpc('res.users', 'write', [rpc.uid], {'lang': 'en_US'})


def as_leader(browser, options, rpc):
    """an (Nguyễn Văn An), leader of North: "My teams' leads", then the mass assignment on
    every lead a search finds, split between two of North's salespeople."""
    session = Session(browser, options, 'an')
    ui = session.ui
    page = ui.page
    ui.menu('crm.crm_menu_root')
    ui.menu('crm_team_routing.crm_lead_menu_my_teams')
    ui.visible(LEAD_ROWS)
    ui.shot('leader_my_teams_leads')

    search = page.locator('.o_searchview_input').first
    search.click()
    search.type('Nhà thuốc', delay=20)  # key by key: Odoo 11 proposes on key events only
    ui.visible('.o_searchview_autocomplete li')
    search.press('Enter')  # the first proposal: the lead's name and contacts
    ui.visible('.o_searchview_facet')
    ui.visible(LEAD_ROWS)
    ui.settle()
    page.locator('.o_content .o_list_view thead .o_list_record_selector input').first.check()
    ui.settle()
    wizard = open_assign_wizard(ui, 'Giao tiềm năng')  # An reads Vietnamese (the demo)
    wizard.locator('.o_field_widget[name="scope"] input[data-value="search"]').first.check()
    ui.settle()
    wizard.locator('.o_field_widget[name="mode"] input[data-value="split"]').first.check()
    ui.settle()
    # "Split evenly" offers the team's members: keep two of them.
    tags = wizard.locator('.o_field_widget[name="user_ids"] .o_delete')
    while tags.count():
        tags.first.click()
        ui.settle()
    for name in ('Trần Thị Bình', 'Lê Hoàng Cường'):
        pick(ui, wizard, 'user_ids', name)
    ui.shot('mass_assign_wizard')
    session.close()


def as_salesperson(browser, options, rpc):
    """binh: the Leads list she lands on (her own leads), then a lead shared with her read-only
    by the Tết campaign's share rule (shared here by hand if the demo shared none), in English
    and in Vietnamese."""
    binh = rpc.user('binh')
    shared = rpc('crm.lead', 'search', [('shared_user_ids', 'in', [binh]),
                                        ('user_id', '!=', binh)], limit=1, order='id')
    if not shared:
        shared = rpc('crm.lead', 'search', [('user_id', 'not in', [binh, False])],
                     limit=1, order='id')
        log('the demo shared no lead with binh: sharing lead %s' % shared)
        rpc('crm.lead', 'action_share_with_users', shared, [binh])
    session = Session(browser, options, 'binh')
    ui = session.ui
    ui.menu('crm.crm_menu_root')
    ui.menu('crm.menu_crm_leads')
    ui.visible(LEAD_ROWS)
    ui.shot('salesperson_pipeline')

    open_shared(ui, rpc, shared[0])
    ui.shot('shared_lead_readonly')
    session.close()

    rpc('res.users', 'write', [binh], {'lang': 'vi_VN'})
    try:
        session = Session(browser, options, 'binh')
        open_shared(session.ui, rpc, shared[0])
        session.ui.shot('shared_lead_readonly_vi')
        session.close()
    finally:
        rpc('res.users', 'write', [binh], {'lang': 'en_US'})


def open_shared(ui, rpc, lead_id):
    ui.page.goto('%s/web#id=%s&view_type=form&model=crm.lead&action=%s' % (
        ui.origin, lead_id, rpc.ref('crm.crm_lead_all_leads')))
    ui.visible('.o_form_view .o_crm_team_routing_shared_mark')
    ui.page.locator('.o_chatter_topbar').first.wait_for(state='visible')


STEPS = [as_admin, run_scheduled_actions, as_admin_log_and_schedule, as_admin_in_vietnamese,
         as_leader, as_salesperson]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', required=True)
    parser.add_argument('--db', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--failures', default=os.path.join(HERE, '..', '.state', 'screenshots'),
                        help='folder for the screenshot of a failed step')
    parser.add_argument('--timeout', type=float, default=60, help='seconds per step')
    args = parser.parse_args()
    options = {'port': args.port, 'screenshots': args.out, 'timeout': args.timeout}
    rpc = Rpc(args.port, args.db)
    if not os.access(routing_ui.CHROMIUM, os.X_OK):
        log('no chromium at %s (apt-get install chromium)' % routing_ui.CHROMIUM)
        return 2
    failed = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=routing_ui.CHROMIUM, headless=True, args=routing_ui.CHROMIUM_ARGS)
        try:
            for step in STEPS:
                log('step %s: %s' % (step.__name__, re.sub(r'\s+', ' ', step.__doc__.strip())))
                Session.current = None
                try:
                    step(browser, options, rpc)
                except Exception:  # the next steps still run: one run gives every shot it can
                    failed.append(step.__name__)
                    show_failure(Session.current, step.__name__, args.failures)
        finally:
            browser.close()
    if failed:
        log('FAILED steps: %s' % ', '.join(failed))
        return 1
    return 0


def show_failure(session, name, folder):
    page = session and session.ui.page
    log('FAILED at %s\n%s' % (page and page.url, traceback.format_exc()))
    if not page:
        return
    try:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, 'failure-%s.png' % name)
        page.screenshot(path=path)
        log('screenshot of the failure: %s' % path)
        log('page text: %s' % page.evaluate(
            "document.body ? document.body.innerText.slice(0, 2000) : ''"))
    except PlaywrightError:
        pass


if __name__ == '__main__':
    sys.exit(main())
