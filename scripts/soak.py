# Run by scripts/soak.sh (make soak) against a prefork Odoo server serving a database of its own,
# with Odoo's venv python (psycopg2 for the SQL reads). Everything it does goes through public
# interfaces: XML-RPC as users would call it (create, write, load, the scheduled action's
# method_direct_trigger, the "Route leads" server action's run), the documented XML ids, and SQL
# reads for the checks. So it keeps working whatever the router looks like inside.
#
#   set-up     4 routing teams filtering on the country (2 of them to route new leads at once in
#              phase B), 8 routing members with a small capacity, creators with Sales rights
#   phase A    SOAK_CLIENTS clients create leads without salesperson for SOAK_SECONDS, route-on-
#              create off everywhere: the baseline latency. These leads are archived afterwards
#              (else the first routing run of phase B would fill every capacity with them)
#   phase B    the same with route-on-create on the 2 teams, the routing cron triggered every 5 s,
#              and every 5 s a salesperson joining one of these teams with the same capacity: the
#              first members are full within seconds, and a capacity is only overrun at its last
#              places, so each new member gives creations and the cron a fresh one to race for
#   checks     one more cron run, then SQL: no failed creation, nothing assigned twice, no
#              capacity exceeded, nothing lost; routing lag
#   race       capacities raised, then the routing cron and the "Route leads" server action
#              started together on the waiting leads: both finish, no error in the server log
#   import     IMPORT leads through crm.lead.load (the list's Import), without then with
#              route-on-create on a team that matches them: durations, ratio, routed, runs
#
# The report ends with "SOAK key=value" lines and "SOAK result=ok" or "SOAK result=FAIL failed=..."
# (exit code 1).
import math
import os
import random
import re
import sys
import threading
import time
import traceback
import xmlrpc.client
from collections import Counter, OrderedDict

import psycopg2

DB = os.environ['SOAK_DB']
URL = 'http://127.0.0.1:%s' % os.environ['SOAK_HTTP_PORT']
PG = dict(host='127.0.0.1', port=int(os.environ['SOAK_PG_PORT']),
          user=os.environ.get('SOAK_PG_USER', 'odoo'), password='odoo', dbname=DB)
SERVER_LOG = os.environ['SOAK_LOG']
SECONDS = int(os.environ.get('SOAK_SECONDS') or 60)
CLIENTS = int(os.environ.get('SOAK_CLIENTS') or 20)
QUOTA = int(os.environ.get('SOAK_QUOTA') or 12)
IMPORT_LEADS = int(os.environ.get('SOAK_IMPORT') or 1000)
ADMIN = ('admin', os.environ.get('SOAK_ADMIN_PASSWORD', 'admin'))
PASSWORD = 'soak-password'
CRON_XMLID = 'crm_team_routing.ir_cron_assign_leads'
ACTION_XMLID = 'crm_team_routing.action_server_route_leads'
CRON_EVERY = 5.0          # seconds between two routing cron runs in phase B
JOIN_EVERY = 5.0          # seconds between two salespeople joining a route-on-create team
CREATE_TIMEOUT = 120      # seconds an XML-RPC call may take before it counts as failed
LONG_TIMEOUT = 900        # the cron, the server action, an import
RACE_QUOTA = 1000         # capacity of every member for the race: every waiting lead fits
IMPORT_RUNS_MAX = 5       # "an import of 10,000 leads: one run of 10,000, never 10,000 runs"
SHOW = 5                  # distinct failure messages shown

# (country code, weight): VN and TH match the route-on-create teams, SG and FR the cron-only
# teams, US no team at all (it waits without team, with an 'unassigned' log row).
COUNTRIES = [('VN', 30), ('TH', 20), ('SG', 20), ('FR', 15), ('US', 15)]
# (name, country codes, route on create in phase B)
TEAMS = [
    ('Soak Vietnam', ['VN'], True),
    ('Soak Thailand', ['TH'], True),
    ('Soak Singapore', ['SG'], False),
    ('Soak France', ['FR'], False),
]
MEMBERS_PER_TEAM = 2
IMPORT_COUNTRY = 'JP'
IMPORT_MEMBERS = 4

LOG_ENTRY = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ')
LOG_NOISE = ('Unmet dependencies', 'test_exceptions', 'security risk')


def say(message):
    print('[soak] %s' % message, flush=True)


# ----------------------------------------------------------------------------------------------
# XML-RPC
# ----------------------------------------------------------------------------------------------

class Transport(xmlrpc.client.Transport):
    """xmlrpc.client waits for ever by default: every call here has a deadline."""

    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class Client(object):
    """One user's connection (a ServerProxy of its own: they are not thread-safe)."""

    def __init__(self, login, password, timeout=CREATE_TIMEOUT):
        common = xmlrpc.client.ServerProxy(URL + '/xmlrpc/2/common',
                                           transport=Transport(timeout))
        self.login = login
        self.uid = common.authenticate(DB, login, password, {})
        if not self.uid:
            raise RuntimeError("login refused for %s" % login)
        self.password = password
        self.proxy = xmlrpc.client.ServerProxy(URL + '/xmlrpc/2/object',
                                               transport=Transport(timeout))

    def call(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(DB, self.uid, self.password, model, method, list(args),
                                     kwargs)

    def ref(self, xmlid):
        return self.call('ir.model.data', 'xmlid_to_res_id', xmlid, True)


def describe(error):
    """A failure as one line: the exception at the end of Odoo's traceback, or the client's."""
    if isinstance(error, xmlrpc.client.Fault):
        lines = [line.strip() for line in str(error.faultString).strip().splitlines()
                 if line.strip()]
        text = lines[-1] if lines else 'Fault %s' % error.faultCode
    else:
        text = '%s: %s' % (type(error).__name__, error)
    return text[:300]


def returned_none(error):
    """ir.actions.server.run returns None for a code action: Odoo 11's XML-RPC layer then fails
    to marshal the answer, after the call's transaction was committed. That is a success."""
    return isinstance(error, xmlrpc.client.Fault) and 'cannot marshal None' in str(
        error.faultString)


def group_key(text):
    return re.sub(r'\d+', 'N', text)


# ----------------------------------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------------------------------

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
    """Reads Odoo's log file from a mark: errors, RPC retries, routing runs of a window."""

    def mark(self):
        return os.path.getsize(SERVER_LOG)

    def entries(self, since):
        with open(SERVER_LOG, 'rb') as handle:
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


# ----------------------------------------------------------------------------------------------
# SQL reads
# ----------------------------------------------------------------------------------------------

class Sql(object):
    def __init__(self):
        self.connection = psycopg2.connect(**PG)
        self.connection.autocommit = True  # every read sees what is committed now

    def rows(self, query, params=None):
        with self.connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def value(self, query, params=None):
        return self.rows(query, params)[0][0]


# ----------------------------------------------------------------------------------------------
# Set-up
# ----------------------------------------------------------------------------------------------

class Setup(object):
    """Ids of what the soak created, over XML-RPC as the administrator."""

    def __init__(self, admin):
        self.admin = admin
        codes = [code for code, _weight in COUNTRIES] + [IMPORT_COUNTRY]
        self.country = {row['code']: row['id'] for row in admin.call(
            'res.country', 'search_read', [('code', 'in', codes)], fields=['code'])}
        missing = set(codes) - set(self.country)
        if missing:
            raise RuntimeError("countries not found: %s" % sorted(missing))
        self.teams = OrderedDict()     # name -> id
        self.team_codes = {}           # team id -> country codes of its filter
        self.members = []              # crm.team.member ids
        self.salespeople = []          # user ids
        self.joiners = []              # user ids of the salespeople joining during phase B
        self.creators = []             # (login, password)
        self.import_team = None

    def user(self, login, name, group_xmlids):
        groups = [self.admin.ref(xmlid) for xmlid in ['base.group_user'] + group_xmlids]
        return self.admin.call('res.users', 'create', {
            'name': name, 'login': login, 'password': PASSWORD,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, groups)],
        }, context={'no_reset_password': True, 'tracking_disable': True})

    def team(self, name, codes, leader, on_create=False):
        team_id = self.admin.call('crm.team', 'create', {
            'name': name, 'use_leads': True, 'user_id': leader,
            'assignment_domain': repr([('country_id', 'in', [self.country[c] for c in codes])]),
            'assignment_on_create': on_create,
        })
        self.teams[name] = team_id
        self.team_codes[team_id] = codes
        return team_id

    def member(self, team_id, user_id, quota, client=None):
        member_id = (client or self.admin).call('crm.team.member', 'create', {
            'team_id': team_id, 'user_id': user_id, 'assignment_max': quota})
        self.members.append(member_id)
        return member_id

    def build(self):
        say("set-up over XML-RPC as admin: %d teams, %d routing members (capacity %d each), "
            "creators with Sales rights" % (len(TEAMS), len(TEAMS) * MEMBERS_PER_TEAM, QUOTA))
        self.creators = [ADMIN]
        for login, name, group in [
                ('soak.manager.1', 'Soak Manager 1', 'sales_team.group_sale_manager'),
                ('soak.manager.2', 'Soak Manager 2', 'sales_team.group_sale_manager'),
                ('soak.alldocs', 'Soak All Documents',
                 'sales_team.group_sale_salesman_all_leads')]:
            self.user(login, name, [group])
            self.creators.append((login, PASSWORD))
        for index in range(len(TEAMS) * MEMBERS_PER_TEAM):
            self.salespeople.append(self.user(
                'soak.sales.%d' % (index + 1), 'Soak Salesperson %d' % (index + 1),
                ['sales_team.group_sale_salesman']))
        for index in range(max(1, int(SECONDS / JOIN_EVERY))):
            self.joiners.append(self.user(
                'soak.joiner.%d' % (index + 1), 'Soak Joiner %d' % (index + 1),
                ['sales_team.group_sale_salesman']))
        for number, (name, codes, _on_create) in enumerate(TEAMS):
            users = self.salespeople[number * MEMBERS_PER_TEAM:(number + 1) * MEMBERS_PER_TEAM]
            team_id = self.team(name, codes, leader=users[0])
            for user_id in users:
                self.member(team_id, user_id, QUOTA)
        writers = self.admin.call('ir.config_parameter', 'get_param',
                                  'crm_team_routing.parallel_writers')
        say("crm_team_routing.parallel_writers = %s (the module's default, untouched)" % writers)

    def set_on_create(self, names, value):
        ids = [self.teams[name] for name in names]
        if ids:
            self.admin.call('crm.team', 'write', ids, {'assignment_on_create': value})

    @property
    def routing_team_ids(self):
        return [self.teams[name] for name, _codes, _on_create in TEAMS]

    @property
    def routing_country_ids(self):
        return [self.country[code] for _name, codes, _on in TEAMS for code in codes]


# ----------------------------------------------------------------------------------------------
# The creation phases
# ----------------------------------------------------------------------------------------------

def creator(number, credentials, phase, deadline, country_ids):
    try:
        client = Client(*credentials)
    except Exception as error:  # counted, the phase goes on with the other clients
        phase.fail(phase.failures, error)
        return
    rng = random.Random('%s-%d' % (phase.label, number))  # the same leads at every soak
    codes = [code for code, weight in COUNTRIES for _i in range(weight)]
    sequence = 0
    while time.time() < deadline:
        sequence += 1
        code = rng.choice(codes)
        vals = {
            'name': 'Soak %s %02d-%05d %s' % (phase.label, number, sequence, code),
            'type': 'lead',
            'user_id': False,
            'country_id': country_ids[code],
            'contact_name': 'Contact %s %d %d' % (phase.label, number, sequence),
            'email_from': 'soak.%s.%d.%d@example.com' % (phase.label.lower(), number, sequence),
        }
        start = time.perf_counter()
        try:
            lead_id = client.call('crm.lead', 'create', vals)
        except Exception as error:
            phase.fail(phase.failures, error)
            if not isinstance(error, xmlrpc.client.Fault):
                time.sleep(0.5)  # the server is unreachable: do not spin
        else:
            with phase.lock:
                phase.ids.append(lead_id)
        finally:
            with phase.lock:
                phase.latencies.append(time.perf_counter() - start)


def cron_loop(phase, deadline, cron_id):
    try:
        admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    except Exception as error:
        phase.fail(phase.cron_failures, error)
        return
    while time.time() < deadline:
        start = time.perf_counter()
        try:
            admin.call('ir.cron', 'method_direct_trigger', [cron_id])
        except Exception as error:
            phase.fail(phase.cron_failures, error)
        with phase.lock:
            phase.cron_runs.append(time.perf_counter() - start)
        time.sleep(max(0.0, CRON_EVERY - (time.perf_counter() - start)))


def join_loop(phase, deadline, setup, team_names):
    """A salesperson joins a route-on-create team (in turn) every JOIN_EVERY seconds, half way
    between two cron runs, with the same capacity as the others."""
    try:
        admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    except Exception as error:
        phase.fail(phase.join_failures, error)
        return
    start = time.time()
    for index, user_id in enumerate(setup.joiners):
        time.sleep(max(0.0, start + JOIN_EVERY / 2 + index * JOIN_EVERY - time.time()))
        if time.time() > deadline - JOIN_EVERY / 2:
            break
        try:
            setup.member(setup.teams[team_names[index % len(team_names)]], user_id, QUOTA,
                         client=admin)
        except Exception as error:
            phase.fail(phase.join_failures, error)
        else:
            with phase.lock:
                phase.joins += 1


def run_phase(label, setup, with_cron, cron_id):
    phase = Phase(label)
    deadline = time.time() + SECONDS
    threads = [threading.Thread(target=creator, name='%s-%d' % (label, number), daemon=True,
                                args=(number, setup.creators[number % len(setup.creators)],
                                      phase, deadline, setup.country))
               for number in range(CLIENTS)]
    if with_cron:
        threads.append(threading.Thread(target=cron_loop, name='%s-cron' % label, daemon=True,
                                        args=(phase, deadline, cron_id)))
        threads.append(threading.Thread(
            target=join_loop, name='%s-join' % label, daemon=True,
            args=(phase, deadline, setup, [name for name, _codes, on in TEAMS if on])))
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A call started before the deadline may take up to its timeout.
        thread.join(max(1.0, deadline + LONG_TIMEOUT + 30 - time.time()))
    phase.seconds = time.perf_counter() - start
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        say("WARNING: threads still waiting for the server: %s" % ', '.join(stuck))
    return phase


def report_phase(phase, log, mark):
    errors = log.errors(mark)
    say("phase %s: %d created in %.0f s (%.1f/s), %d failed; create p50 %s ms, p99 %s ms; "
        "%d routing cron runs (%d failed); %d salespeople joined; server log: %d errors, "
        "%d RPC retries" % (
            phase.label, len(phase.ids), phase.seconds, len(phase.ids) / max(phase.seconds, 1),
            phase.failed, fmt(ms(percentile(phase.latencies, 50))),
            fmt(ms(percentile(phase.latencies, 99))), len(phase.cron_runs),
            sum(phase.cron_failures.values()), phase.joins, len(errors), log.retries(mark)))
    phase.show_failures(phase.failures, 'failed creation')
    phase.show_failures(phase.cron_failures, 'failed cron run')
    phase.show_failures(phase.join_failures, 'failed join')
    show_errors(errors, 'server error')
    return errors


def ms(seconds):
    return None if seconds is None else seconds * 1000.0


# ----------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------

def assigned_twice(sql):
    """Leads with more than one 'member' log row (given to a salesperson twice), among leads no
    person or SLA take-back ever reassigned: in the soak, nobody does."""
    return sql.rows("""
        SELECT g.lead_id, count(*), array_agg(g.user_id ORDER BY g.id)
          FROM crm_lead_assignment_log g
         WHERE g.kind = 'member'
           AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log o
                            WHERE o.lead_id = g.lead_id AND o.kind IN ('manual', 'sla'))
         GROUP BY g.lead_id HAVING count(*) > 1
    """)


def quotas_exceeded(sql):
    """Memberships holding more leads of the last 30 days than their capacity."""
    return sql.rows("""
        SELECT t.name, u.login, m.assignment_max, count(l.id)
          FROM crm_team_member m
          JOIN crm_team t ON t.id = m.team_id
          JOIN res_users u ON u.id = m.user_id
          LEFT JOIN crm_lead l
                 ON l.team_id = m.team_id AND l.user_id = m.user_id
                AND l.assignment_date >= (now() at time zone 'UTC') - interval '30 days'
         WHERE m.active
         GROUP BY t.name, u.login, m.assignment_max
        HAVING count(l.id) > m.assignment_max
         ORDER BY t.name, u.login
    """)


def lost_leads(sql, setup, phase_a, phase_b):
    """Lead ids a client got back that do not exist; phase B leads matching a routing team's
    filter that have no salesperson and do not wait in a routing team with an 'unassigned' log
    row saying why (members full), written when or after the lead's last other decision
    (entering a team, being given to someone). Compared by date, not id: the rows of one run
    share their date, in whatever order they were inserted."""
    created = phase_a.ids + phase_b.ids
    existing = {row[0] for row in sql.rows("SELECT id FROM crm_lead WHERE id = ANY(%s)",
                                           (created,))}
    missing = [lead_id for lead_id in created if lead_id not in existing]
    stranded = sql.rows("""
        SELECT l.id, l.name, l.team_id,
               (SELECT string_agg(g.kind, ',' ORDER BY g.date, g.id)
                  FROM crm_lead_assignment_log g WHERE g.lead_id = l.id),
               EXISTS (SELECT 1 FROM crm_lead_assignment_log u
                        WHERE u.lead_id = l.id AND u.kind = 'unassigned'
                          AND u.date >= coalesce((SELECT max(t.date)
                                                    FROM crm_lead_assignment_log t
                                                   WHERE t.lead_id = l.id
                                                     AND t.kind NOT IN ('unassigned', 'share')),
                                                 u.date))
          FROM crm_lead l
         WHERE l.id = ANY(%(ids)s) AND l.active AND l.country_id = ANY(%(countries)s)
           AND l.user_id IS NULL
    """, {'ids': phase_b.ids, 'countries': setup.routing_country_ids})
    stranded = [row[:4] for row in stranded
                if not (row[2] in setup.routing_team_ids and row[4])]
    return missing, stranded


def routing_lags(sql, lead_ids):
    """Seconds from creation to the 'member' log row (log dates are to the second), by whether
    the team routes on creation. Leads that first waited in that team for a free place (an
    'unassigned' row of the team before) measure the capacity, not routing: counted apart."""
    rows = sql.rows("""
        SELECT extract(epoch FROM g.date - date_trunc('second', l.create_date)),
               t.assignment_on_create,
               EXISTS (SELECT 1 FROM crm_lead_assignment_log w
                        WHERE w.lead_id = g.lead_id AND w.kind = 'unassigned'
                          AND w.team_id = g.team_id AND w.id < g.id)
          FROM crm_lead_assignment_log g
          JOIN crm_lead l ON l.id = g.lead_id
          JOIN crm_team t ON t.id = g.team_id
         WHERE g.kind = 'member' AND l.id = ANY(%s)
    """, (lead_ids,))
    every = [float(row[0]) for row in rows if not row[2]]
    on_create = [float(row[0]) for row in rows if row[1] and not row[2]]
    by_cron = [float(row[0]) for row in rows if not row[1] and not row[2]]
    waited = sum(1 for row in rows if row[2])
    return every, on_create, by_cron, waited


def trigger_cron(admin, cron_id):
    start = time.perf_counter()
    admin.call('ir.cron', 'method_direct_trigger', [cron_id])
    return time.perf_counter() - start


# ----------------------------------------------------------------------------------------------
# The cron and the server action side by side
# ----------------------------------------------------------------------------------------------

def race(admin, sql, setup, log, cron_id, action_id, phase_b):
    """Capacities raised so that every waiting lead can be routed, then the routing cron and the
    "Route leads" server action started together on the waiting leads (two threads, two
    workers). Both must finish without error, in the RPC answer and in the server log; one
    more cron run then leaves no routable lead waiting, and nothing is assigned twice."""
    admin.call('crm.team.member', 'write', setup.members, {'assignment_max': RACE_QUOTA})
    waiting = [row[0] for row in sql.rows("""
        SELECT id FROM crm_lead WHERE id = ANY(%s) AND active AND user_id IS NULL ORDER BY id
    """, (phase_b.ids,))]
    routable = sql.value("""
        SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND country_id = ANY(%s)
    """, (waiting, setup.routing_country_ids))
    say("race: the routing cron and the 'Route leads' server action together on %d waiting "
        "leads (%d of them routable now: capacities raised to %d)"
        % (len(waiting), routable, RACE_QUOTA))
    mark = log.mark()
    barrier = threading.Barrier(2, timeout=60)
    outcome = {}

    def cron():
        client = Client(*ADMIN, timeout=LONG_TIMEOUT)
        barrier.wait()
        start = time.perf_counter()
        try:
            client.call('ir.cron', 'method_direct_trigger', [cron_id])
            outcome['cron'] = ('ok', time.perf_counter() - start)
        except Exception as error:
            outcome['cron'] = (describe(error), time.perf_counter() - start)

    def server_action():
        client = Client(*ADMIN, timeout=LONG_TIMEOUT)
        barrier.wait()
        start = time.perf_counter()
        try:
            client.call('ir.actions.server', 'run', [action_id], context={
                'active_model': 'crm.lead', 'active_ids': waiting,
                'active_id': waiting[0] if waiting else False})
            outcome['server_action'] = ('ok', time.perf_counter() - start)
        except Exception as error:
            outcome['server_action'] = (
                'ok' if returned_none(error) else describe(error), time.perf_counter() - start)

    threads = [threading.Thread(target=cron, daemon=True),
               threading.Thread(target=server_action, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG_TIMEOUT + 60)
    errors = log.errors(mark)
    retries = log.retries(mark)
    for name in ('cron', 'server_action'):
        status, seconds = outcome.get(name, ('did not finish', 0.0))
        say("  %s: %s (%.2f s)" % (name, status, seconds))
    say("  server log: %d errors, %d RPC retries (serialization failures retried)"
        % (len(errors), retries))
    show_errors(errors, 'server error')
    # What the server action may have left for the next run.
    trigger_cron(admin, cron_id)
    left = sql.value("""
        SELECT count(*) FROM crm_lead
         WHERE id = ANY(%s) AND active AND user_id IS NULL AND country_id = ANY(%s)
    """, (waiting, setup.routing_country_ids))
    twice = assigned_twice(sql)
    say("  after one more cron run: %d routable leads still waiting, %d assigned twice"
        % (left, len(twice)))
    ok = (outcome.get('cron', ('',))[0] == 'ok' and outcome.get('server_action', ('',))[0] == 'ok'
          and not errors and not left and not twice)
    return ok, len(waiting), retries, len(errors)


# ----------------------------------------------------------------------------------------------
# Import
# ----------------------------------------------------------------------------------------------

def import_leads(admin, tag):
    """IMPORT_LEADS leads through crm.lead.load, as the list's Import does (base_import calls
    load with import_file in the context); the salesperson column is empty."""
    fields = ['name', 'type', 'contact_name', 'email_from', 'country_id/id', 'user_id']
    rows = [['Soak import %s %05d' % (tag, index), 'lead', 'Import contact %d' % index,
             'soak.import.%s.%d@example.com' % (tag, index), 'base.%s' % IMPORT_COUNTRY.lower(),
             ''] for index in range(IMPORT_LEADS)]
    start = time.perf_counter()
    result = admin.call('crm.lead', 'load', fields, rows, context={'import_file': True})
    seconds = time.perf_counter() - start
    messages = [message.get('message') for message in result.get('messages') or []
                if message.get('type') == 'error']
    ids = result.get('ids') or []
    if messages or len(ids) != IMPORT_LEADS:
        raise RuntimeError("import %s: %d ids, errors: %s" % (tag, len(ids), messages[:3]))
    return ids, seconds


def import_timing(admin, sql, setup, log):
    """The same import without, then with route-on-create on a team matching every row."""
    say("import: %d leads through crm.lead.load, without then with route-on-create"
        % IMPORT_LEADS)
    # Only the import team may route on creation: the soak's teams match none of these rows.
    setup.set_on_create([name for name, _codes, _on in TEAMS], False)
    team_id = setup.team('Soak Import', [IMPORT_COUNTRY], leader=setup.salespeople[0])
    for user_id in setup.salespeople[:IMPORT_MEMBERS]:
        setup.member(team_id, user_id, IMPORT_LEADS)  # room for every imported lead
    without_ids, without_s = import_leads(admin, 'off')
    say("  without route-on-create: %.1f s" % without_s)
    admin.call('crm.lead', 'unlink', without_ids)  # the second import starts from the same state
    admin.call('crm.team', 'write', [team_id], {'assignment_on_create': True})
    mark = log.mark()
    with_ids, with_s = import_leads(admin, 'on')
    logged_runs = log.routing_runs(mark)
    routed = sql.value("SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS NOT NULL",
                       (with_ids,))
    dates = sql.value("""
        SELECT count(DISTINCT date) FROM crm_lead_assignment_log WHERE lead_id = ANY(%s)
    """, (with_ids,))
    # Routing's INFO line per run when it has one; else the distinct dates of its log rows
    # (one per run, to the second: a lower bound).
    runs = logged_runs or dates
    say("  with route-on-create: %.1f s; %d/%d routed; %d routing runs logged, %d distinct log "
        "dates" % (with_s, routed, IMPORT_LEADS, logged_runs, dates))
    return without_s, with_s, routed, runs


# ----------------------------------------------------------------------------------------------

def main():
    started = time.perf_counter()
    log = ServerLog()
    sql = Sql()
    admin = Client(*ADMIN, timeout=LONG_TIMEOUT)
    setup = Setup(admin)
    setup.build()
    cron_id = admin.ref(CRON_XMLID)
    action_id = admin.ref(ACTION_XMLID)
    on_create = [name for name, _codes, on in TEAMS if on]

    say("phase A: %d clients for %d s, route-on-create off on every team, no cron"
        % (CLIENTS, SECONDS))
    mark = log.mark()
    phase_a = run_phase('A', setup, with_cron=False, cron_id=cron_id)
    errors_a = report_phase(phase_a, log, mark)
    # Set aside: the first cron run of phase B would give every capacity to them.
    for start in range(0, len(phase_a.ids), 1000):
        admin.call('crm.lead', 'write', phase_a.ids[start:start + 1000], {'active': False},
                   context={'tracking_disable': True})

    say("phase B: %d clients for %d s, route-on-create on %s, routing cron every %.0f s, "
        "a salesperson joining one of them every %.0f s"
        % (CLIENTS, SECONDS, ' and '.join(on_create), CRON_EVERY, JOIN_EVERY))
    setup.set_on_create(on_create, True)
    mark = log.mark()
    phase_b = run_phase('B', setup, with_cron=True, cron_id=cron_id)
    errors_b = report_phase(phase_b, log, mark)
    retries = log.retries(mark)

    say("one more routing cron run to finish the work (%.1f s)" % trigger_cron(admin, cron_id))
    twice = assigned_twice(sql)
    exceeded = quotas_exceeded(sql)
    missing, stranded = lost_leads(sql, setup, phase_a, phase_b)
    every, on_create_lags, cron_lags, waited = routing_lags(sql, phase_b.ids)
    say("checks: %d assigned twice, %d memberships over capacity, %d missing, %d stranded"
        % (len(twice), len(exceeded), len(missing), len(stranded)))
    for lead_id, count, users in twice[:SHOW]:
        say("  lead %d given %d times (users %s)" % (lead_id, count, users))
    for team, login, quota, count in exceeded:
        say("  %s / %s: %d leads in 30 days, capacity %d" % (team, login, count, quota))
    for lead_id in missing[:SHOW]:
        say("  lead %d was created (id returned) but does not exist" % lead_id)
    for lead_id, name, team_id, kinds in stranded[:SHOW]:
        say("  lead %d (%s) has no salesperson, team %s, log rows %s"
            % (lead_id, name, team_id, kinds))

    race_ok, race_leads, race_retries, race_errors = race(
        admin, sql, setup, log, cron_id, action_id, phase_b)
    import_without, import_with, import_routed, import_runs = import_timing(
        admin, sql, setup, log)
    ratio = import_with / import_without if import_without else None

    created = len(phase_a.ids) + len(phase_b.ids)
    failed = phase_a.failed + phase_b.failed
    attempts = len(phase_a.latencies) + len(phase_b.latencies)
    cron_failures = sum(phase_b.cron_failures.values())
    excess = sum(count - quota for _t, _l, quota, count in exceeded)
    lines = [
        ('creations', created, 'creations_a', len(phase_a.ids), 'creations_b', len(phase_b.ids),
         'clients', CLIENTS, 'seconds_per_phase', SECONDS),
        ('failures', failed, 'failures_a', phase_a.failed, 'failures_b', phase_b.failed,
         'failure_rate_pct', fmt(100.0 * failed / attempts if attempts else None, 2)),
        ('latency_ms_without_p50', fmt(ms(percentile(phase_a.latencies, 50))),
         'latency_ms_without_p99', fmt(ms(percentile(phase_a.latencies, 99)))),
        ('latency_ms_with_p50', fmt(ms(percentile(phase_b.latencies, 50))),
         'latency_ms_with_p99', fmt(ms(percentile(phase_b.latencies, 99)))),
        ('routing_lag_s_p50', fmt(percentile(every, 50)),
         'routing_lag_s_p99', fmt(percentile(every, 99)), 'routed', len(every),
         'routed_after_waiting_for_a_place', waited),
        ('routing_lag_on_create_s_p50', fmt(percentile(on_create_lags, 50)),
         'routing_lag_on_create_s_p99', fmt(percentile(on_create_lags, 99)),
         'routed_on_create', len(on_create_lags)),
        ('routing_lag_cron_s_p50', fmt(percentile(cron_lags, 50)),
         'routing_lag_cron_s_p99', fmt(percentile(cron_lags, 99)), 'routed_by_cron',
         len(cron_lags)),
        ('cron_runs', len(phase_b.cron_runs), 'cron_failures', cron_failures,
         'cron_p50_s', fmt(percentile(phase_b.cron_runs, 50), 2), 'joined', phase_b.joins,
         'join_failures', sum(phase_b.join_failures.values())),
        ('server_errors', len(errors_a) + len(errors_b), 'rpc_retries', retries),
        ('assigned_twice', len(twice)),
        ('quota_exceeded', len(exceeded), 'excess_leads', excess),
        ('lost', len(missing) + len(stranded), 'missing', len(missing),
         'stranded', len(stranded)),
        ('cron_and_server_action', 'ok' if race_ok else 'FAIL', 'race_leads', race_leads,
         'race_server_errors', race_errors, 'race_rpc_retries', race_retries),
        ('import_s_without', fmt(import_without, 1)),
        ('import_s_with', fmt(import_with, 1)),
        ('import_ratio', fmt(ratio, 2)),
        ('import_routed', import_routed, 'import_leads', IMPORT_LEADS,
         'import_routing_runs', import_runs),
        ('soak_s', fmt(time.perf_counter() - started)),
    ]
    checks = OrderedDict([
        ('failures', failed == 0),
        ('cron_failures', cron_failures == 0),
        ('join_failures', not phase_b.join_failures),
        ('assigned_twice', not twice),
        ('quota_exceeded', not exceeded),
        ('lost', not missing and not stranded),
        ('cron_and_server_action', race_ok),
        ('import_routed', import_routed == IMPORT_LEADS),
        ('import_routing_runs', import_runs <= IMPORT_RUNS_MAX),
    ])
    print()
    for line in lines:
        print('SOAK ' + ' '.join('%s=%s' % (line[i], line[i + 1]) for i in range(0, len(line), 2)))
    failed_checks = [name for name, ok in checks.items() if not ok]
    if failed_checks:
        print('SOAK result=FAIL failed=%s' % ','.join(failed_checks), flush=True)
        return 1
    print('SOAK result=ok', flush=True)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        print('SOAK result=FAIL failed=the soak stopped (see the traceback above)', flush=True)
        sys.exit(2)
