# The summary that closes the report: one "SOAK key=value ..." line per figure, then
# "SOAK result=ok" or "SOAK result=FAIL failed=<the checks that failed>"; soak.sh reads it.


def summary(lines, checks):
    """``lines``: tuples (key, value, key, value, ...); ``checks``: name -> passed. Returns the
    exit code: 0 when every check passed, 1 otherwise."""
    print()
    for line in lines:
        print('SOAK ' + ' '.join('%s=%s' % (line[i], line[i + 1]) for i in range(0, len(line), 2)))
    failed_checks = [name for name, ok in checks.items() if not ok]
    if failed_checks:
        print('SOAK result=FAIL failed=%s' % ','.join(failed_checks), flush=True)
        return 1
    print('SOAK result=ok', flush=True)
    return 0
