#!/usr/bin/env python3
"""make test: the scheduled action runs in a database made as a user makes one in the browser.

Starts Odoo as a user would (bin/odoo, threaded, one cron thread), creates a database through
the database manager's endpoint (/web/database/create, Odoo's default master password 'admin',
no demo data), installs crm_team_routing over XML-RPC as the Apps button does
(ir.module.module.button_immediate_install), makes a team with two routing members and leads
without salesperson, sets the routing cron's next call to now, and waits for Odoo's own cron
thread to start the job and the leads to get a salesperson. Then restarts the server and does it
once more: the repair of the modules that can never be installed (scripts/odoo_packaging_fixes.py)
is kept in the database. The server log must hold no ERROR line. Every wait is bounded; the
server is stopped at the end, whatever happened. Prints "DBMANAGER-CHECK ok" last on success.

Usage: dbmanager_check.py PORT DATABASE LOGFILE    (system python3; standard library only)
"""
import datetime
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASTER_PASSWORD = 'admin'  # Odoo 11's default admin_passwd: bin/odoo passes no configuration file
LOGIN = PASSWORD = 'admin'
JOB_STARTED = 'Starting job `CRM: route leads to teams and salespeople`'


class CheckFailed(Exception):
    pass


class TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def say(message):
    print('[dbmanager check] %s' % message, flush=True)


def wait_for(what, predicate, timeout, interval=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise CheckFailed('timed out after %d s waiting for %s' % (timeout, what))


class Server(object):
    def __init__(self, port, database, logfile):
        self.port, self.database, self.logfile = port, database, logfile
        self.url = 'http://127.0.0.1:%d' % port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [os.path.join(ROOT, 'bin', 'odoo'), '--http-port=%d' % self.port, '--workers=0',
             '--max-cron-threads=1', '--db-filter=^%s$' % re.escape(self.database),
             '--logfile=%s' % self.logfile, '--log-level=info'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for('the server to answer', self.answers, 120)
        say('server up on port %d (pid %d)' % (self.port, self.process.pid))

    def answers(self):
        if self.process.poll() is not None:
            raise CheckFailed('the server exited with %s (log: %s)' % (
                self.process.returncode, self.logfile))
        try:
            with urllib.request.urlopen(self.url + '/web/database/manager', timeout=10) as page:
                return page.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        if not self.process or self.process.poll() is not None:
            return
        # Odoo stops gracefully on the first signal and at once on the second.
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            self.process.send_signal(sig)
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_text(self, start=0):
        with open(self.logfile, encoding='utf-8', errors='replace') as log:
            log.seek(start)
            return log.read()

    def log_size(self):
        return os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0

    def create_database(self):
        data = urllib.parse.urlencode({
            'master_pwd': MASTER_PASSWORD, 'name': self.database, 'login': LOGIN,
            'password': PASSWORD, 'lang': 'en_US', 'phone': '', 'country_code': '',
        }).encode()
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url + '/web/database/create', data, timeout=600) as page:
                body = page.read().decode('utf-8', 'replace')
        except urllib.error.HTTPError as redirect:  # 303 to /web/: created and logged in
            if redirect.code in (301, 302, 303) and '/web' in redirect.headers.get('Location', ''):
                return
            raise
        error = re.search(r'Database creation error[^<]*', body)
        raise CheckFailed('the database manager did not create the database: %s' % (
            error.group(0) if error else body[:300]))

    def rpc(self, service):
        return xmlrpc.client.ServerProxy('%s/xmlrpc/2/%s' % (self.url, service),
                                         transport=TimeoutTransport(900), allow_none=True)


def call(server, uid, model, method, *args, **kwargs):
    return server.rpc('object').execute_kw(server.database, uid, PASSWORD, model, method,
                                           list(args), kwargs)


def xmlid(server, uid, module, name):
    rows = call(server, uid, 'ir.model.data', 'search_read',
                [('module', '=', module), ('name', '=', name)], fields=['res_id'])
    if not rows:
        raise CheckFailed('%s.%s not found' % (module, name))
    return rows[0]['res_id']


def route_through_cron(server, uid, team_id, label, count):
    """Leads without salesperson in the database, the cron's next call now; returns when Odoo's
    cron thread has started the job and every lead has a salesperson."""
    leads = [call(server, uid, 'crm.lead', 'create', {
        'name': '%s lead %d' % (label, index), 'type': 'lead', 'user_id': False,
        'team_id': False}) for index in range(count)]
    log_start = server.log_size()
    cron_id = xmlid(server, uid, 'crm_team_routing', 'ir_cron_assign_leads')
    now = datetime.datetime.utcnow() - datetime.timedelta(seconds=5)
    call(server, uid, 'ir.cron', 'write', [cron_id],
         {'nextcall': now.strftime('%Y-%m-%d %H:%M:%S'), 'active': True})
    say('%s: %d leads without salesperson, the routing cron due now; waiting for the cron thread'
        % (label, count))
    # The cron thread polls every 60 s (odoo/service/server.py SLEEP_INTERVAL).
    wait_for('"%s" in the server log' % JOB_STARTED,
             lambda: JOB_STARTED in server.log_text(log_start), 200)
    say('%s: the cron thread started the routing job' % label)

    def routed():
        rows = call(server, uid, 'crm.lead', 'read', leads, ['user_id', 'team_id'])
        return all(row['user_id'] and row['team_id'] and row['team_id'][0] == team_id
                   for row in rows)
    wait_for('the leads to get a salesperson', routed, 60)
    skipped = 'Skipping database %s because of modules' % server.database
    if skipped in server.log_text(log_start):
        raise CheckFailed('the cron thread skipped the database: %s' % skipped)
    rows = call(server, uid, 'crm.lead', 'read', leads, ['user_id'])
    owners = {row['user_id'][1] for row in rows}
    say('%s: every lead has a salesperson (%s)' % (label, ', '.join(sorted(owners))))


def run(server):
    server.start()
    say('creating database %s through /web/database/create' % server.database)
    server.create_database()
    log = server.log_text()
    repaired = re.search(r'odoo\.packaging_fixes: (reset \d+ modules)', log)
    if not repaired:
        raise CheckFailed('no repair of the modules that can never be installed in the log')
    say('created; the launcher %s that can never be installed' % repaired.group(1))
    uid = server.rpc('common').authenticate(server.database, LOGIN, PASSWORD, {})
    module_ids = call(server, uid, 'ir.module.module', 'search',
                      [('name', '=', 'crm_team_routing')])
    if not module_ids:
        raise CheckFailed('crm_team_routing is not in the Apps list of the new database')
    say('installing crm_team_routing over XML-RPC (button_immediate_install)')
    try:
        call(server, uid, 'ir.module.module', 'button_immediate_install', module_ids)
    except xmlrpc.client.Fault as fault:  # the next action may not marshal; the state tells
        say('button_immediate_install answered: %s' % fault.faultString.strip()[-200:])
    state = call(server, uid, 'ir.module.module', 'read', module_ids, ['state'])[0]['state']
    if state != 'installed':
        raise CheckFailed('crm_team_routing is %s after the install' % state)
    pending = call(server, uid, 'ir.module.module', 'search_read',
                   [('state', 'like', 'to %')], fields=['name', 'state'])
    if pending:
        raise CheckFailed('modules left pending after the install: %s' % pending)

    group_id = xmlid(server, uid, 'sales_team', 'group_sale_salesman')
    users = [call(server, uid, 'res.users', 'create', {
        'name': 'Manager Check %d' % index, 'login': 'dbmanager.check.%d' % index,
        'email': 'dbmanager.check.%d@example.com' % index,
        'groups_id': [(6, 0, [group_id])]}, context={'no_reset_password': True})
        for index in range(2)]
    team_id = call(server, uid, 'crm.team', 'create',
                   {'name': 'Database manager check', 'assignment_domain': '[]'})
    for user_id in users:
        call(server, uid, 'crm.team.member', 'create',
             {'team_id': team_id, 'user_id': user_id, 'assignment_max': 30})
    route_through_cron(server, uid, team_id, 'first start', 4)

    say('restarting the server')
    server.stop()
    server.start()
    uid = server.rpc('common').authenticate(server.database, LOGIN, PASSWORD, {})  # loads it
    route_through_cron(server, uid, team_id, 'after a restart', 2)
    check_no_error(server)


def check_no_error(server):
    """The server log holds no ERROR or CRITICAL line."""
    errors = re.findall(r'^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$', server.log_text(), re.MULTILINE)
    if errors:
        raise CheckFailed('%d ERROR lines in the server log, the first: %s' % (
            len(errors), errors[0][:300]))


def main(check=None, marker='DBMANAGER-CHECK ok', report=None):
    """Run ``check`` (default: this file's) on the server of PORT DATABASE LOGFILE (the command
    line), stop the server, print ``marker`` on success; 0 or 1."""
    check, report = check or run, report or say
    port, database, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = Server(port, database, logfile)
    started = time.monotonic()
    try:
        check(server)
    except (CheckFailed, OSError, xmlrpc.client.Error) as error:
        report('FAILED: %s (server log: %s)' % (error, logfile))
        return 1
    finally:
        server.stop()
    report('done in %.0f s' % (time.monotonic() - started))
    print(marker)
    return 0


if __name__ == '__main__':
    sys.exit(main())
