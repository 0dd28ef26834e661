# What the soak measures and reads: percentiles and number formats, Phase (what the clients of
# one creation phase saw), ServerLog (a server's log file read from a mark: errors, RPC retries,
# routing runs, jobs started by its cron threads) and show_errors.
import math
import os
import re
import threading
from collections import Counter, OrderedDict

from .config import LOG_ENTRY, LOG_NOISE, SHOW, say
from .rpc import describe, group_key


def percentile(values, pct):
    """Nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, int(math.ceil(pct / 100.0 * len(ordered))) - 1)]


def fmt(value, digits=0):
    if value is None:
        return 'na'
    return ('%.' + str(digits) + 'f') % value


class Phase(object):
    """What the clients of one phase saw. Threads append under a lock."""

    def __init__(self, label):
        self.label = label
        self.lock = threading.Lock()
        self.ids = []
        self.latencies = []          # seconds, every create call (failed ones too)
        # The same by the lead's country: matching a route-on-create team ('on_create') or not
        # ('other'), and by server (its URL).
        self.by_kind = {'on_create': [], 'other': []}
        self.by_server = OrderedDict()
        self.created_by_server = Counter()
        self.failures = Counter()    # grouped message -> count
        self.examples = OrderedDict()
        self.cron_runs = []          # seconds per routing cron call
        self.cron_failures = Counter()
        self.joins = 0
        self.join_failures = Counter()
        self.seconds = 0.0

    def fail(self, counter, error):
        text = describe(error)
        with self.lock:
            counter[group_key(text)] += 1
            self.examples.setdefault(group_key(text), text)

    @property
    def failed(self):
        return sum(self.failures.values())

    def show_failures(self, counter, what):
        for key, count in counter.most_common(SHOW):
            say("  %s x%d: %s" % (what, count, self.examples[key]))
        if len(counter) > SHOW:
            say("  ... and %d other distinct messages" % (len(counter) - SHOW))


class ServerLog(object):
    """Reads a server's log file from a mark: errors, RPC retries, routing runs of a window."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        return os.path.getsize(self.path)

    def entries(self, since):
        with open(self.path, 'rb') as handle:
            handle.seek(since)
            text = handle.read().decode('utf-8', 'replace')
        entries = []
        for line in text.splitlines():
            match = LOG_ENTRY.match(line)
            if match:
                entries.append([match.group(1), line])
            elif entries:
                entries[-1][1] += '\n' + line
        return entries

    def errors(self, since):
        return [text for level, text in self.entries(since)
                if level in ('ERROR', 'CRITICAL') and not any(n in text for n in LOG_NOISE)]

    def retries(self, since):
        return sum(1 for level, text in self.entries(since)
                   if re.search(r'retry \d+/\d+ in|maximum number of tries reached', text))

    def routing_runs(self, since):
        """Runs that wrote (routing's INFO line per run), not skipped runs or previews."""
        return sum(1 for level, text in self.entries(since)
                   if level == 'INFO' and 'Lead routing' in text.splitlines()[0]
                   and 'skipped' not in text and 'preview' not in text
                   and 'took over' not in text)

    def cron_jobs(self, since, name):
        """Runs of the scheduled action ``name`` started by this server's cron threads."""
        return sum(1 for level, text in self.entries(since)
                   if level == 'INFO' and 'Starting job `%s`' % name in text)

    @staticmethod
    def summary(error):
        lines = error.splitlines()
        head = re.sub(r'^\S+ \S+ \d+ \w+ \S+ ', '', lines[0])[:200]
        tail = lines[-1].strip()[:200] if len(lines) > 1 else ''
        return head + (' | ' + tail if tail and tail not in head else '')


def show_errors(errors, what):
    grouped = Counter(group_key(ServerLog.summary(error)) for error in errors)
    example = {}
    for error in errors:
        example.setdefault(group_key(ServerLog.summary(error)), ServerLog.summary(error))
    for key, count in grouped.most_common(SHOW):
        say("  %s x%d: %s" % (what, count, example[key]))


def ms(seconds):
    return None if seconds is None else seconds * 1000.0
