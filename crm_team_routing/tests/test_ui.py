# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end tests in the web client: headless Debian chromium driven by Playwright.

Odoo 11 has no browser of its own to drive, so two small programs run on the browser-test
virtualenv (Python >= 3.8, ``playwright``; ``CRM_TEAM_ROUTING_BROWSER_PYTHON``, set by
``make test``):

- ``scripts/browser/phantomjs``, a stand-in for the phantomjs that ``HttpCase.phantom_js`` runs
  (``make test`` puts it first on PATH): the smoke test uses Odoo's own protocol with it;
- ``tests/browser/routing_ui.py``, the user stories, step by step with Playwright: this test
  starts it with the port and an authenticated session id, and asserts both on what it read in
  the page (its last stdout line, ``RESULT <json>``) and on the database afterwards.

In 11.0 the HTTP server of a test run works on the registry's test cursor (registry test
mode), not on the test case's own: setUp makes its data there, the browser sees it, and it is
all rolled back at the end. Missing tooling fails the tests, never skips them. Screenshots go
to ``CRM_TEAM_ROUTING_SCREENSHOTS`` (default ``.state/screenshots``), named after what they
show.
"""
import json
import logging
import os
import shutil
import subprocess
import time

from lxml import etree

from odoo.tests import common

from .common import ensure_vietnamese, set_other_records_aside

_logger = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the repository holding the module
DRIVER = os.path.join(HERE, 'browser', 'routing_ui.py')
CHROMIUM = os.environ.get('CRM_TEAM_ROUTING_CHROMIUM', '/usr/bin/chromium')

VN_LEADS = ['Hanoi Pharmacy Chain', 'Saigon Clinic Supplies', 'Da Nang General Hospital',
            'Hue Medical Store']
FR_LEADS = ['Lyon Pharmacie Centrale', 'Paris Optique']


def browser_python():
    return os.environ.get('CRM_TEAM_ROUTING_BROWSER_PYTHON') \
        or os.path.join(ROOT, '.venv-browser', 'bin', 'python')


def screenshot_dir():
    return os.environ.get('CRM_TEAM_ROUTING_SCREENSHOTS') \
        or os.path.join(ROOT, '.state', 'screenshots')


@common.at_install(False)
@common.post_install(True)
class BrowserCase(common.HttpCase):
    """The browser helpers of the end-to-end tests (test_ui_leader.py's, test_ui_team.py's
    too), on the registry's test cursor; no data of its own."""
    # The program holding the browser steps (other test files run their own beside it).
    driver = DRIVER

    def setUp(self):
        super(BrowserCase, self).setUp()
        # In 11.0 the HTTP server works on the registry's test cursor, not on this test case's
        # own: the data must be made (and read back) there to be seen over HTTP. It is rolled
        # back all the same when the test ends.
        self.env = self.env(cr=self.registry.test_cr,
                            context=dict(self.env.context, tracking_disable=True,
                                         mail_notify_force_send=False))
        self.company = self.env.ref('base.main_company')
        # Only this test's leads wait for a salesperson, scored and routed by its teams alone.
        set_other_records_aside(self.env)

    def create_user(self, login, name, group_xmlid, **values):
        """A user whose password is their login (what ``HttpCase.authenticate`` expects)."""
        return self.env['res.users'].with_context(no_reset_password=True).create(dict({
            'name': name,
            'login': login,
            'password': login,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, [self.env.ref(group_xmlid).id])],
            'company_id': self.company.id,
            'company_ids': [(6, 0, [self.company.id])],
        }, **values))

    def login(self, login, password):
        """Log this test's session in as a user would, through the server.

        (``HttpCase.authenticate`` computes the session token on this test case's cursor, where
        the users made in setUp do not exist in 11.0.) The test cursor's commit is a savepoint:
        a request that rolls back keeps what this test wrote before it.
        """
        # The test cursor's commit: a savepoint, not a real commit (see above).
        self.env.cr.commit()  # pylint: disable=invalid-commit
        response = self.opener.post(
            'http://%s:%s/web/session/authenticate' % (common.HOST, common.PORT),
            json={'jsonrpc': '2.0', 'method': 'call', 'params': {
                'db': common.get_db_name(), 'login': login, 'password': password}},
            timeout=60)
        response.raise_for_status()
        uid = (response.json().get('result') or {}).get('uid')
        self.assertTrue(uid, "%s could not log in: %s" % (login, response.text[:500]))
        return uid

    def button_labels(self, user, model, *methods):
        """{method: label} of the buttons of ``model``'s form view as ``user`` sees it (11.0
        renders header buttons without their name: the browser finds them by label)."""
        arch = etree.fromstring(
            self.env[model].sudo(user).fields_view_get(view_type='form')['arch'])
        labels = {}
        for method in methods:
            buttons = arch.xpath("//button[@name='%s']" % method)
            self.assertTrue(buttons, "no button %s in the form of %s" % (method, model))
            labels[method] = buttons[0].get('string')
        return labels

    # ------------------------------------------------------------------------------------------
    # Browser tooling
    # ------------------------------------------------------------------------------------------

    def assertBrowserTooling(self):
        """Fail (never skip) when the browser tests cannot run, saying what is missing."""
        python = browser_python()
        self.assertTrue(os.access(python, os.X_OK),
                        "browser tests: no Python at %s (set CRM_TEAM_ROUTING_BROWSER_PYTHON or "
                        "run 'make setup')" % python)
        self.assertTrue(os.access(CHROMIUM, os.X_OK),
                        "browser tests: no chromium at %s (apt-get install chromium)" % CHROMIUM)
        check = subprocess.run([python, '-c', 'import playwright.sync_api'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(check.returncode, 0, "browser tests: %s cannot import playwright: %s"
                         % (python, check.stdout.decode('utf-8', 'replace')[-500:]))

    def run_browser(self, scenario, login, data=None, timeout=300, driver=None):
        """Run a scenario of ``driver`` (default: the class's, tests/browser/routing_ui.py) as
        ``login`` (password = login)."""
        self.assertBrowserTooling()
        self.login(login, login)
        options = {
            'port': common.PORT,
            'session_id': self.session_id,
            'scenario': scenario,
            'screenshots': screenshot_dir(),
            'data': data or {},
            'timeout': 60,
        }
        start = time.time()
        command = [browser_python(), driver or self.driver, json.dumps(options)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            stdout, stderr = process.communicate()
            self.fail("browser scenario %s took more than %ss:\n%s" % (
                scenario, timeout, stderr.decode('utf-8', 'replace')[-4000:]))
        finally:
            # Requests the page left running use the test cursor: let them end first.
            self._wait_remaining_requests()
        output = stderr.decode('utf-8', 'replace')
        for line in output.splitlines():
            _logger.info("%s", line)
        _logger.info("browser scenario %s as %s: %.1fs", scenario, login, time.time() - start)
        self.assertEqual(process.returncode, 0, "browser scenario %s failed:\n%s" % (
            scenario, output[-4000:]))
        lines = [line for line in stdout.decode('utf-8', 'replace').splitlines()
                 if line.startswith('RESULT ')]
        self.assertTrue(lines, "browser scenario %s returned no result" % scenario)
        # The server wrote through its own environments: forget what this one cached.
        self.env.cache.invalidate()
        return json.loads(lines[-1][len('RESULT '):])


@common.at_install(False)
@common.post_install(True)
class RoutingUiCase(BrowserCase):
    """The data of the end-to-end stories: a team of two salespeople, leads from Vietnam
    and France (also test_ui_team.py's)."""

    def setUp(self):
        super(RoutingUiCase, self).setUp()
        self.manager = self.create_user('ui_manager', 'Hoa Pham', 'sales_team.group_sale_manager')
        self.sales_lan = self.create_user('ui_sales_lan', 'Lan Nguyen',
                                          'sales_team.group_sale_salesman')
        self.sales_minh = self.create_user('ui_sales_minh', 'Minh Tran',
                                           'sales_team.group_sale_salesman')
        self.team = self.env['crm.team'].create({
            'name': 'Vietnam Pharma',
            'user_id': self.manager.id,
            'company_id': self.company.id,
        })
        for user in (self.sales_lan, self.sales_minh):
            self.env['crm.team.member'].create({
                'team_id': self.team.id,
                'user_id': user.id,
                'assignment_max': 10,
            })
        Lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True)
        vietnam, france = self.env.ref('base.vn'), self.env.ref('base.fr')
        self.vn_leads = self.env['crm.lead']
        self.fr_leads = self.env['crm.lead']
        for index, name in enumerate(VN_LEADS + FR_LEADS):
            country = vietnam if name in VN_LEADS else france
            lead = Lead.create({
                'name': name,
                'type': 'opportunity',
                'user_id': False,
                'team_id': False,
                'country_id': country.id,
                'partner_name': name,
                'email_from': 'contact%d@example.com' % index,
                'planned_revenue': 1000.0 * (index + 1),
            })
            if country == vietnam:
                self.vn_leads |= lead
            else:
                self.fr_leads |= lead


@common.at_install(False)
@common.post_install(True)
class TestRoutingUi(RoutingUiCase):

    def test_01_web_client_smoke(self):
        """The web client loads for admin (no 'Style error', no JS error) and shows the routing
        menus under CRM > Configuration; through HttpCase.phantom_js and its stand-in."""
        self.assertBrowserTooling()
        self.assertTrue(shutil.which('phantomjs'),
                        "browser tests: no 'phantomjs' on PATH (make test puts "
                        "scripts/browser/phantomjs there)")
        code = """
            (function () {
                var start = Date.now();
                var wanted = ['crm.crm_menu_root', 'crm.crm_menu_config',
                              'crm_team_routing.crm_team_routing_menu',
                              'crm_team_routing.crm_team_member_menu',
                              'crm_team_routing.crm_lead_scoring_rule_menu',
                              'crm_team_routing.crm_lead_share_rule_menu',
                              'crm_team_routing.crm_lead_assignment_log_menu'];
                (function poll() {
                    var missing = wanted.filter(function (xmlid) {
                        return !document.querySelector('[data-menu-xmlid="' + xmlid + '"]');
                    });
                    var text = document.body.innerText;
                    if (window.__assetsBundleErrorSeen || /Style error/i.test(text)) {
                        // Set by the script Odoo inlines when a LESS bundle did not compile
                        // (it then opens a "Style error" dialog once web_editor is ready).
                        console.log('error: Style error, an asset bundle did not compile '
                                    + '(is lessc on PATH?): ' + text.slice(0, 500));
                    } else if (!missing.length && $('.o_main_content').length) {
                        var label = $('[data-menu-xmlid="crm_team_routing.crm_team_routing_menu"]')
                            .text().trim();
                        console.log('routing menu: ' + label);
                        console.log(label === 'Lead Routing' ? 'ok'
                                    : 'error: unexpected menu label ' + label);
                    } else if (Date.now() - start > 40000) {
                        console.log('error: menus missing: ' + missing.join(', '));
                    } else {
                        setTimeout(poll, 250);
                    }
                })();
            })();
        """
        self.phantom_js(
            '/web', code, login='admin', timeout=120,
            ready="window.odoo && odoo.__DEBUG__ && odoo.__DEBUG__.services['web.web_client'] "
                  "&& $('.oe_application_menu_placeholder:visible').length")

    def test_02_manager_routes_salesperson_sees_own(self):
        """The user story: a sales manager filters a team by country with the domain editor,
        previews, assigns; the log lists the decisions; the remaining leads are assigned in
        bulk with the wizard; a salesperson then sees exactly their own leads."""
        manager = self.run_browser('manager', 'ui_manager', {
            'team': self.team.name,
            'country_code': 'VN',
            'buttons': self.button_labels(
                self.manager, 'crm.team', 'action_preview_assignment', 'action_assign_leads'),
            'wizard_action': self.env.ref('crm_team_routing.crm_lead_mass_assign_action').name,
            'wizard_leads': FR_LEADS,
            'wizard_user': self.sales_minh.name,
        })
        _logger.info("manager scenario read: %s", manager)

        # The filter was written through the domain editor, and it selects the Vietnam leads.
        self.assertEqual(self.team.assignment_domain.replace(' ', ''),
                         '[["country_id.code","=","VN"]]')
        self.assertEqual(self.env['crm.lead'].search_count(
            [('id', 'in', (self.vn_leads | self.fr_leads).ids)] + [('country_id.code', '=', 'VN')]),
            len(VN_LEADS))
        self.assertIn('%d record' % len(VN_LEADS), manager['domain_button'])
        self.assertIn('Country Code', manager['domain_read_mode'])

        # Preview, then the result of Assign now: the team takes the Vietnam leads, its two
        # members two each; the French leads, which no team matches, are not this team's
        # (the last row, left waiting, counts none); one line per decision.
        for totals in (manager['preview_totals'], manager['done_totals']):
            self.assertEqual(len(totals), 4, totals)
            self.assertIn(self.team.name, totals[0][0])
            self.assertEqual(totals[0][1], len(VN_LEADS))
            self.assertEqual(sorted(totals[1:3]),
                             [[self.sales_lan.name, 2], [self.sales_minh.name, 2]])
            self.assertEqual(totals[3][1], 0)
        self.assertEqual(manager['preview_lines'], 2 * len(VN_LEADS))
        self.assertTrue(manager['confirm_text'], "Assign now asks for a confirmation")
        self.assertEqual(manager['month_count_after'], str(len(VN_LEADS)),
                         "closing the result reloads the team with its new 30-day count")

        # Assign now wrote the assignment; the wizard gave the French leads to Minh.
        self.assertEqual(self.vn_leads.mapped('team_id'), self.team)
        lan_leads = self.vn_leads.filtered(lambda lead: lead.user_id == self.sales_lan)
        minh_vn_leads = self.vn_leads.filtered(lambda lead: lead.user_id == self.sales_minh)
        self.assertEqual((len(lan_leads), len(minh_vn_leads)), (2, 2))
        self.assertEqual(self.fr_leads.mapped('user_id'), self.sales_minh)
        self.assertEqual(manager['wizard_lead_count'], str(len(FR_LEADS)))
        self.assertIn(self.sales_minh.name, manager['wizard_result'])

        # The log: one row per decision, and the list showed the assignments to salespeople
        # (its default filter).
        Log = self.env['crm.lead.assignment.log']
        for lead in self.vn_leads:
            self.assertEqual(sorted(Log.search([('lead_id', '=', lead.id)]).mapped('kind')),
                             ['member', 'team'])
        for lead in self.fr_leads:
            self.assertEqual(sorted(Log.search([('lead_id', '=', lead.id)]).mapped('kind')),
                             ['manual', 'unassigned'])
        # The log opens on the decisions, waiting ones included: a lead entered a team and was
        # given to a salesperson (two rows); the Vietnamese leads only.
        self.assertEqual(sorted(set(manager['log_leads'])), sorted(VN_LEADS))

        # Lan opens CRM: her pipeline holds exactly her two leads, and without any filter she
        # reads nothing else (not Minh's, not the waiting ones).
        lan = self.run_browser('salesperson', 'ui_sales_lan')
        _logger.info("salesperson scenario read: %s", lan)
        # Best first (equal scores and creation dates: by id), lowest load, then member id:
        # Lan takes the 1st and 3rd Vietnam leads, Minh the 2nd and 4th.
        expected = sorted([VN_LEADS[0], VN_LEADS[2]])
        self.assertEqual(sorted(lan_leads.mapped('name')), expected)
        self.assertEqual(sorted(lan['kanban_default']), expected)
        self.assertEqual(sorted(lan['kanban_all']), expected)
        self.assertEqual(sorted(lan['list_all']), expected)

    def test_03_routing_tab_in_vietnamese(self):
        """The Routing tab with the user's language set to Vietnamese."""
        start = time.time()
        ensure_vietnamese(self.env)
        _logger.info("vi_VN loaded in %.1fs", time.time() - start)
        self.team.assignment_domain = "[('country_id.code', '=', 'VN')]"
        self.manager.lang = 'vi_VN'
        self.sales_lan.lang = 'vi_VN'
        # The scheduled action routes in English, as the system; its reasons and digests are
        # read in Vietnamese.
        before = self.env['mail.message'].search([], order='id desc', limit=1).id
        self.env['crm.team']._cron_assign_leads()
        result = self.run_browser('routing_tab', 'ui_manager', {
            'team': self.team.name,
            'screenshot': 'team_routing_tab_vi',
            'log': 'assignment_log_vi',
        })
        self.assertTrue(result['lang'].startswith('vi'), result)
        reasons = result['log_reasons']
        self.assertTrue(reasons, result)
        self.assertFalse([reason for reason in reasons
                          if reason.startswith(('Given', 'Entered', 'Waiting'))], reasons)
        self.assertTrue(any(reason.startswith('Giao cho %s' % self.sales_lan.name)
                            for reason in reasons), reasons)
        # The rows that gave leads to salespeople name their member filter (none of their own)
        # in words, in Vietnamese: "all leads", not "[]".
        given = [reason for reason in reasons if reason.startswith('Giao cho')]
        self.assertTrue(all('bộ lọc thành viên Tất cả tiềm năng' in reason for reason in given),
                        reasons)
        digest = self.env['mail.message'].search([
            ('id', '>', before), ('model', '=', False),
            ('partner_ids', 'in', self.sales_lan.partner_id.id)])
        self.assertEqual(len(digest), 1, "one digest for the run")
        self.assertIn('Khách hàng tiềm năng mới của %s' % self.sales_lan.name, digest.body)
