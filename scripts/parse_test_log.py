#!/usr/bin/env python3
"""Read an Odoo 11 test log and decide: counts the module's tests, fails on their ERROR/FAIL
lines, on any other ERROR/CRITICAL line that is not known packaging noise, on skipped tests and
on zero tests. Prints 'N passed, N failed' last. Exit 0 only when everything passed.

Usage: parse_test_log.py LOG[:LOG...] MODULE [EXTRA_PASSED EXTRA_FAILED]
  Several logs (one per database tested, joined by ':') are counted together; each must show
  tests of MODULE.
"""
import os
import re
import sys

# Noise of the PyPI packaging of Odoo 11 (see ODOO11-NOTES.md): a test module that is not
# packaged, and running as root. (scripts/odoo_packaging_fixes.py, installed by the launcher,
# already downgrades this noise and the "Unmet dependencies" of modules that can never be
# installed to DEBUG; this list is for logs made without it.)
NOISE = (
    re.compile(r'module test_exceptions: module not found'),
    re.compile(r"Running as user 'root' is a security risk"),
)
LINE = re.compile(r'^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<message>.*)$')


def read_log(path, module):
    """(tests ran, failed, skipped, problems) of one log."""
    tests_logger = 'odoo.addons.%s.tests' % module
    ran = failed = skipped = 0
    problems = []
    with open(path, encoding='utf-8', errors='replace') as log:
        for raw in log:
            match = LINE.match(raw.rstrip('\n'))
            if not match:
                continue
            level, logger, message = match.group('level', 'logger', 'message')
            if logger.startswith(tests_logger):
                ran_match = re.match(r'Ran (\d+) tests? in', message)
                if ran_match:
                    ran += int(ran_match.group(1))
                # unittest's summary: 'OK (skipped=1)' or 'FAILED (failures=1, skipped=1)'
                skipped_match = re.search(r'skipped=(\d+)', message)
                if skipped_match:
                    skipped += int(skipped_match.group(1))
                    problems.append('skipped tests: ' + raw.strip())
                if message.startswith(('FAIL:', 'ERROR:')):
                    failed += 1
                    problems.append(raw.strip())
                continue
            if level in ('ERROR', 'CRITICAL') and not any(n.search(raw) for n in NOISE):
                problems.append(raw.strip())
    if ran == 0:
        problems.append('no test of %s ran (%s)' % (module, path))
    return ran, failed, skipped, problems


def main():
    paths, module = sys.argv[1].split(os.pathsep), sys.argv[2]
    extra_passed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    extra_failed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    ran = failed = skipped = 0
    problems = []
    for path in paths:
        log_ran, log_failed, log_skipped, log_problems = read_log(path, module)
        if len(paths) > 1:
            print('  %s: %d tests ran, %d failed' % (
                os.path.basename(path), log_ran, log_failed + log_skipped))
        ran += log_ran
        failed += log_failed
        skipped += log_skipped
        problems += log_problems
    # unittest prints 'OK (skipped=N)' on success with skips: a skipped test is not a pass.
    passed = ran - failed - skipped + extra_passed
    failed += skipped + extra_failed
    for problem in problems[:40]:
        print('  problem: %s' % problem[:400])
    if problems and failed == 0:
        failed = 1  # an error outside the counted tests (import error, data error, ...)
    print('%d passed, %d failed' % (passed, failed))
    return 0 if not problems and failed == 0 and ran else 1


if __name__ == '__main__':
    sys.exit(main())
