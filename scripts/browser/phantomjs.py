"""A phantomjs stand-in for Odoo 11's HttpCase.phantom_js, driving Debian's chromium.

Odoo runs ``phantomjs <phantomtest.js> '<json options>'`` and reads stdout line by line
(``HttpCase.phantom_poll``): a line ``ok`` ends the test with success, a line starting with
``error`` fails it, other lines go to the test log. This script does what phantomtest.js does:

- reads the options (last argument): port, url_path, session_id, ready, code, timeout, inject;
- starts headless chromium (``/usr/bin/chromium``, never a downloaded browser) with a fresh
  profile, sets the ``session_id`` cookie for 127.0.0.1 and localhost;
- opens ``http://127.0.0.1:<port><url_path>``, waits until ``ready`` evaluates truthy, then
  evaluates ``code``;
- relays every console message to stdout, one per line (a message of several lines is wrapped in
  ``<phantomLog>...</phantomLog>`` as phantomtest.js does); page errors and ``alert()`` print
  ``error <message>`` (an asset bundle with a LESS error alerts "Style error" when web_editor is
  not installed); the run stops at ``ok``, at an error or at the timeout (``error Timeout ...``).

Runs on the browser-test virtualenv (Python >= 3.8, ``playwright``); see the ``phantomjs`` wrapper.
"""
import json
import os
import signal
import sys
import time

CHROMIUM = os.environ.get('CRM_TEAM_ROUTING_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
]
HOST = '127.0.0.1'


class Stop(Exception):
    pass


def emit(message):
    """One console message for phantom_poll: a line, or a wrapped block if it has newlines."""
    message = str(message)
    if '\n' in message:
        sys.stdout.write('<phantomLog>%s</phantomLog>\n' % message)
    else:
        sys.stdout.write(message + '\n')
    sys.stdout.flush()


def main():
    options = json.loads(sys.argv[-1])
    port = options.get('port') or 8069
    origin = 'http://%s:%s' % (HOST, port)
    url = origin + (options.get('url_path') or '/')
    ready = options.get('ready') or 'true'
    code = options.get('code') or 'true'
    # phantomtest.js stops 5 s before Odoo's own timeout, so the error reaches the log.
    deadline = time.time() + max(float(options.get('timeout') or 60) - 5, 5)
    state = {'done': None, 'terminated': False}

    def on_term(signum, frame):
        # Odoo terminates phantomjs once it read 'ok': close chromium cleanly, no orphans.
        state['terminated'] = True
    signal.signal(signal.SIGTERM, on_term)

    try:
        from playwright.sync_api import sync_playwright, Error as PlaywrightError
    except ImportError as error:
        emit('error phantomjs stand-in: playwright is not importable by %s (%s)'
             % (sys.executable, error))
        return 1
    if not os.access(CHROMIUM, os.X_OK):
        emit('error phantomjs stand-in: no chromium at %s (apt-get install chromium)' % CHROMIUM)
        return 1

    def on_console(msg):
        text = msg.text
        emit(text)
        if text == 'ok':
            state['done'] = 0
        elif text.lower().startswith('error'):
            state['done'] = 1

    def on_page_error(error):
        text = getattr(error, 'stack', None) or getattr(error, 'message', None) or str(error)
        emit('error %s' % text)
        state['done'] = 1

    def on_dialog(dialog):
        if dialog.type == 'alert':
            emit('error alert: %s' % dialog.message)
            state['done'] = 1
        else:  # phantomjs answers confirm() with false and prompt() with nothing
            emit('%s dismissed: %s' % (dialog.type, dialog.message))
        try:
            dialog.dismiss()
        except PlaywrightError:
            pass

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={'width': 1366, 'height': 768})
            if options.get('session_id'):
                context.add_cookies([
                    {'name': 'session_id', 'value': options['session_id'], 'domain': domain,
                     'path': '/'} for domain in (HOST, 'localhost')])
            page = context.new_page()
            page.on('console', on_console)
            page.on('pageerror', on_page_error)
            page.on('dialog', on_dialog)

            def wait(predicate, what):
                while not predicate():
                    if state['terminated']:
                        raise Stop()
                    if state['done'] is not None:
                        return False
                    if time.time() > deadline:
                        try:
                            body = page.evaluate(
                                "document.body ? document.body.innerText.slice(0, 2000) : ''")
                        except PlaywrightError:
                            body = ''
                        emit('error Timeout %s\nhref: %s\n\n%s' % (what, page.url, body))
                        state['done'] = 1
                        return False
                    page.wait_for_timeout(250)
                return True

            try:
                response = page.goto(url, wait_until='load',
                                     timeout=max(deadline - time.time(), 1) * 1000)
            except PlaywrightError as error:
                emit('error failed to load %s: %s' % (url, error))
                return 1
            emit('loaded %s %s' % (url, response.status if response else ''))
            page.evaluate("try { localStorage.clear(); } catch (e) {}")
            for item in options.get('inject') or []:
                need, src = (item[0], item[1]) if isinstance(item, list) else (None, item)
                if need and page.evaluate(
                        "need => { try { return !!eval(need); } catch (e) { return false; } }",
                        need):
                    continue
                emit('Injecting %s' % src)
                page.add_script_tag(path=src)

            def is_ready():
                try:
                    return page.evaluate(
                        "ready => { try { return !!eval(ready); } catch (e) { return false; } }",
                        ready)
                except PlaywrightError:
                    return False  # navigating: try again
            if wait(is_ready, 'waiting for ready: %s' % ready):
                emit('ready: %s; running the code' % ready)
                try:
                    page.evaluate("code => { eval(code); return true; }", code)
                except PlaywrightError as error:
                    emit('error while running the code: %s' % error)
                    return 1
                wait(lambda: state['done'] is not None, 'waiting for console.log("ok")')
        except Stop:
            pass
        finally:
            browser.close()
    return state['done'] or 0


if __name__ == '__main__':
    sys.exit(main())
