#!/usr/bin/env python3
"""make test: `make run` serves every database of its cluster, the demo first.

Starts scripts/run.sh (what `make run` runs: the demo database, created or updated when needed,
then Odoo) on a free port, creates a database through the database manager's endpoint
(/web/database/create, as a person does in the browser), and opens it: the session the
manager hands over must reach the web client of the new database (not the login page, not the
demo's), and stay there on the next page. The demo still opens at /web?db=<demo>. Drops the
new database and stops run.sh (Ctrl-C, as a person does) at the end, whatever happened.
Prints "RUN-CHECK ok" last on success.

Usage: run_check.py PORT LOGFILE    (system python3; standard library only)
"""
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASTER_PASSWORD = 'admin'  # Odoo 11's default admin_passwd: bin/odoo passes no configuration file
DEMO_DB = os.environ.get('DB', 'crm_routing_demo')


class CheckFailed(Exception):
    pass


def say(message):
    print('[run check] %s' % message, flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser(object):
    """A cookie jar and the pages it opened, as a browser keeps them."""

    def __init__(self, url):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.raw = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                               NoRedirect)

    def get(self, path):
        """(final URL, body) after following redirects."""
        with self.opener.open(self.url + path, timeout=120) as page:
            return page.geturl(), page.read().decode('utf-8', 'replace')

    def post_form(self, path, values, timeout=900):
        """The redirect location of a form POST (the manager answers 303 to /web)."""
        data = urllib.parse.urlencode(values).encode()
        try:
            with self.raw.open(self.url + path, data, timeout=timeout) as page:
                return None, page.read().decode('utf-8', 'replace')
        except urllib.error.HTTPError as redirect:
            if redirect.code in (301, 302, 303):
                return redirect.headers.get('Location', ''), ''
            raise

    def json(self, path, params=None):
        request = urllib.request.Request(
            self.url + path, json.dumps({'jsonrpc': '2.0', 'method': 'call',
                                         'params': params or {}}).encode(),
            {'Content-Type': 'application/json'})
        with self.opener.open(request, timeout=120) as page:
            answer = json.loads(page.read().decode('utf-8'))
        if answer.get('error'):
            raise CheckFailed('%s: %s' % (path, json.dumps(answer['error'])[:500]))
        return answer.get('result')


def wait_for(what, predicate, timeout, interval=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise CheckFailed('timed out after %d s waiting for %s' % (timeout, what))


def run(url, process, new_db):
    def answers():
        if process.poll() is not None:
            raise CheckFailed('make run exited with %s' % process.returncode)
        try:
            with urllib.request.urlopen(url + '/web/login?db=%s' % DEMO_DB, timeout=10) as page:
                return page.status == 200
        except (urllib.error.URLError, OSError):
            return False
    # The demo database is created (or updated) first when needed: minutes, not seconds.
    wait_for('make run to serve %s' % url, answers, 900, interval=3.0)
    say('make run serves %s' % url)

    person = Browser(url)
    say('creating database %s through /web/database/create' % new_db)
    location, body = person.post_form('/web/database/create', {
        'master_pwd': MASTER_PASSWORD, 'name': new_db, 'login': 'admin', 'password': 'admin',
        'lang': 'en_US', 'phone': '', 'country_code': ''})
    if not location or '/web' not in location:
        raise CheckFailed('the database manager did not create %s: %s' % (new_db, body[:300]))
    # Where the manager sends the person: the web client of the new database, logged in.
    final, page = person.get('/web')
    if '/web/login' in final or '/web/database/selector' in final:
        raise CheckFailed('opening %s ended on %s: the session was dropped' % (new_db, final))
    info = person.json('/web/session/get_session_info')
    if info.get('db') != new_db or not info.get('uid'):
        raise CheckFailed('the session is on %r (uid %r), not on %s' % (
            info.get('db'), info.get('uid'), new_db))
    if 'odoo.define' not in page and 'web.webclient' not in page and 'o_web_client' not in page:
        raise CheckFailed('/web is not the web client: %s' % page[:300])
    say('the new database opens in the web client, logged in as uid %s' % info['uid'])
    # A second page of the same session stays on the new database.
    final, _page = person.get('/web#action=base.open_module_tree')
    info = person.json('/web/session/get_session_info')
    if '/web/login' in final or info.get('db') != new_db:
        raise CheckFailed('the next page left %s: %s, session db %r' % (
            new_db, final, info.get('db')))
    # A person arriving fresh can still pick the demo.
    visitor = Browser(url)
    final, page = visitor.get('/web/login?db=%s' % DEMO_DB)
    if '/web/login' not in final or 'name="login"' not in page:
        raise CheckFailed('the demo login did not open: %s' % final)
    say('a new visitor still reaches the demo login at /web/login?db=%s' % DEMO_DB)


def main():
    port, logfile = int(sys.argv[1]), sys.argv[2]
    url = 'http://127.0.0.1:%d' % port
    new_db = 'crm_routing_runcheck_%d' % os.getpid()
    env = dict(os.environ, HTTP_PORT=str(port))
    process = subprocess.Popen(
        [os.path.join(ROOT, 'scripts', 'run.sh'), '--logfile=%s' % logfile, '--log-level=info'],
        env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    ok = False
    try:
        run(url, process, new_db)
        ok = True
    except (CheckFailed, urllib.error.URLError, OSError, ValueError) as error:
        say('FAILED: %s (log: %s)' % (error, logfile))
    finally:
        try:
            Browser(url).post_form('/web/database/drop', {
                'master_pwd': MASTER_PASSWORD, 'name': new_db}, timeout=120)
        except (urllib.error.URLError, OSError):
            pass
        # Ctrl-C, as a person stops make run: it stops Odoo and the cluster it started.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
    if ok:
        say('RUN-CHECK ok')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
